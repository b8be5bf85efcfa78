//! Operators, conditionals, index steps and for-expressions, read into flat syntax nodes.

use super::{Parser, Result};
use crate::tfvars::expr::{Expr, For, Step};
use crate::tfvars::ops;

impl Parser<'_> {
    /// `cond ? a : b`, the loosest operator, right-associative.
    pub(super) fn conditional(&mut self) -> Result<Expr> {
        let start = self.pos;
        let cond = self.binary(0)?;
        let save = self.pos;
        self.skip_space(false)?;
        if self.peek() != Some(b'?') {
            self.pos = save;
            return Ok(cond);
        }
        self.pos += 1;
        self.skip_space(false)?;
        let yes = self.expression()?;
        self.skip_space(false)?;
        if self.peek() != Some(b':') {
            return self.unexpected("`:` in a conditional expression");
        }
        self.pos += 1;
        self.skip_space(false)?;
        let no = self.expression()?;
        Ok(Expr::Conditional(Box::new([cond, yes, no]), self.span(start)))
    }

    /// One precedence level and everything tighter; a chain at one level is read in a loop.
    pub(super) fn binary(&mut self, level: usize) -> Result<Expr> {
        if level == ops::LEVELS.len() {
            return self.unary();
        }
        let first = self.binary(level + 1)?;
        let mut rest = Vec::new();
        loop {
            let save = self.pos;
            self.skip_space(false)?;
            let Some(op) = ops::LEVELS
                .get(level)
                .and_then(|ops| ops.iter().find(|op| self.at_operator(op)))
            else {
                self.pos = save;
                break;
            };
            let at = self.pos;
            self.pos += op.len();
            self.skip_space(false)?;
            rest.push((*op, at, self.binary(level + 1)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Binary(Box::new(first), rest)
        })
    }

    fn at_operator(&self, op: &str) -> bool {
        // `<` must not be read from `<=` or `<<`, `=` never alone, `!` not from `!=`.
        self.starts_with(op)
            && !(op.len() == 1 && matches!(self.peek_at(1), Some(b'=')))
            && !(op == "<" && self.peek_at(1) == Some(b'<'))
    }

    /// Prefix `-` and `!`, read in a loop so that long chains need no stack.
    fn unary(&mut self) -> Result<Expr> {
        let mut prefix = Vec::new();
        while let Some(op @ (b'-' | b'!')) = self.peek() {
            if op == b'!' && self.peek_at(1) == Some(b'=') {
                break;
            }
            prefix.push((op, self.pos));
            self.pos += 1;
            self.skip_space(false)?;
        }
        let operand = self.postfix()?;
        Ok(if prefix.is_empty() {
            operand
        } else {
            Expr::Unary(prefix, Box::new(operand))
        })
    }

    /// A term followed by `[index]`, `.name` and `.0` steps.
    fn postfix(&mut self) -> Result<Expr> {
        let start = self.pos;
        let term = self.primary()?;
        let mut steps = Vec::new();
        loop {
            let save = self.pos;
            self.skip_space(false)?;
            match self.peek() {
                Some(b'[') => {
                    let at = self.pos;
                    self.pos += 1;
                    if let Some(splat) = self.splat(start, b']')? {
                        return Ok(splat);
                    }
                    let index = self.with_newlines(true, |p| {
                        p.skip_space(true)?;
                        let e = p.expression()?;
                        p.skip_space(true)?;
                        Ok(e)
                    })?;
                    if self.peek() != Some(b']') {
                        return self.unexpected("`]` after an index");
                    }
                    self.pos += 1;
                    steps.push(Step::Index(index, at));
                }
                Some(b'.') if !self.starts_with("...") => {
                    let at = self.pos;
                    self.pos += 1;
                    if let Some(splat) = self.splat(start, b'*')? {
                        return Ok(splat);
                    }
                    steps.push(self.attr_step(at)?);
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        Ok(if steps.is_empty() {
            term
        } else {
            Expr::Traversal(Box::new(term), steps, self.span(start))
        })
    }

    fn splat(&mut self, start: usize, close: u8) -> Result<Option<Expr>> {
        let is_splat = if close == b']' {
            self.peek() == Some(b'*') && self.peek_at(1) == Some(b']')
        } else {
            self.peek() == Some(b'*')
        };
        if !is_splat {
            return Ok(None);
        }
        self.pos += if close == b']' { 2 } else { 1 };
        Ok(Some(Expr::Splat(self.span(start))))
    }

    fn attr_step(&mut self, at: usize) -> Result<Step> {
        if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            let digits = self.pos;
            self.skip_digits();
            let text = &self.src[digits..self.pos];
            return Ok(Step::Index(
                Expr::Literal(crate::tfvars::Node::new(
                    crate::tfvars::Value::Number(std::rc::Rc::new(
                        crate::tfvars::num::Num::parse(text).unwrap_or(crate::tfvars::num::Num::int(0)),
                    )),
                    self.span(digits),
                    crate::tfvars::Form::Other,
                )),
                at,
            ));
        }
        match self.ident() {
            Some(name) => Ok(Step::Attr(name.into(), at)),
            None => self.unexpected("an attribute name after `.`"),
        }
    }

    /// `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value… if cond}`,
    /// after the opening bracket.
    pub(super) fn for_expression(&mut self, start: usize, object: bool) -> Result<super::Expr> {
        self.pos += 3;
        self.skip_space(true)?;
        let (key_var, value_var) = self.for_vars()?;
        self.keyword("in")?;
        let collection = self.expression()?;
        self.skip_space(true)?;
        if self.peek() != Some(b':') {
            return self.unexpected("`:` after the for-expression's collection");
        }
        self.pos += 1;
        self.skip_space(true)?;
        let mut key = None;
        let mut value = self.expression()?;
        self.skip_space(true)?;
        if object {
            if !self.starts_with("=>") {
                return self.unexpected("`=>` in a map for-expression");
            }
            self.pos += 2;
            self.skip_space(true)?;
            key = Some(std::mem::replace(&mut value, self.expression()?));
            self.skip_space(true)?;
        }
        let group = object && self.starts_with("...");
        if group {
            self.pos += 3;
            self.skip_space(true)?;
        }
        let condition = if self.at_word("if") {
            self.pos += 2;
            self.skip_space(true)?;
            let c = self.expression()?;
            self.skip_space(true)?;
            Some(c)
        } else {
            None
        };
        let close = if object { b'}' } else { b']' };
        if self.peek() != Some(close) {
            return self.unexpected(if object {
                "`}` closing the for-expression"
            } else {
                "`]` closing the for-expression"
            });
        }
        self.pos += 1;
        Ok(Expr::For(Box::new(For {
            key_var,
            value_var,
            collection,
            key,
            value,
            condition,
            group,
            span: self.span(start),
        })))
    }

    /// `v` or `k, v` after `for`.
    pub(super) fn for_vars(&mut self) -> Result<(Option<crate::tfvars::Str>, crate::tfvars::Str)> {
        let Some(first) = self.ident() else {
            return self.unexpected("a variable name after `for`");
        };
        self.skip_space(true)?;
        if self.peek() != Some(b',') {
            return Ok((None, first.into()));
        }
        self.pos += 1;
        self.skip_space(true)?;
        match self.ident() {
            Some(second) => Ok((Some(first.into()), second.into())),
            None => self.unexpected("a second variable name after `,`"),
        }
    }

    pub(super) fn at_word(&self, word: &str) -> bool {
        self.starts_with(word)
            && !self
                .peek_at(word.len())
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80)
    }

    pub(super) fn keyword(&mut self, word: &str) -> Result<()> {
        self.skip_space(true)?;
        if !self.at_word(word) {
            return self.unexpected(&format!("`{word}`"));
        }
        self.pos += word.len();
        self.skip_space(true)?;
        Ok(())
    }
}
