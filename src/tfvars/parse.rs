//! A linear-time parser for the expressions Terraform accepts in a `.tfvars` file, building the
//! syntax tree that `eval` folds into values.
//!
//! hcl-edit 0.10 rejects duplicate keys inside an object (Terraform keeps the last one) and checks
//! each new object key against a linearly searched map (quadratic on large maps), so the reader is
//! our own: it keeps every literal's byte span for splicing and never rewrites the source.
//!
//! Nesting is limited to `MAX_DEPTH` and deep recursion runs on a growing stack, so no input can
//! overflow the stack; operator chains (`- - - 1`, `1 + 1 + …`) are read in loops.
//!
//! String slicing here is on offsets that are char boundaries by construction: they come from the
//! parser's positions after ASCII delimiters, from `char_indices`, or from `find` of ASCII text.
//! The fuzz target (`fuzz/`) and the property tests check that no input makes it panic.
#![allow(clippy::string_slice)]

mod literal;
mod operators;
mod strings;

use crate::tfvars::expr::{Expr, Key};
use crate::tfvars::{Form, Node, Span, Str, Value};

/// How deep brackets, parentheses, conditionals and templates may nest. Terraform itself has no
/// fixed bound; this one is far beyond any real file and keeps memory bounded.
pub const MAX_DEPTH: usize = 10_000;

/// Below this much free stack, recursion continues on a new heap-allocated stack segment.
const RED_ZONE: usize = 256 << 10;
const STACK_SEGMENT: usize = 4 << 20;

/// Nesting levels that run without a stack check: far less than `RED_ZONE` deep, and the first
/// check costs a read of `/proc/self/maps`, which most files never need.
const SHALLOW: usize = 16;

/// Runs `f` with enough stack for one more level of recursion.
pub(crate) fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, f)
}

/// `grow`, from `SHALLOW` levels of nesting on.
pub(crate) fn grow_at<T>(depth: usize, f: impl FnOnce() -> T) -> T {
    if depth < SHALLOW {
        f()
    } else {
        grow(f)
    }
}

/// A parse failure at a byte offset of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParseError {
    pub offset: usize,
    pub message: String,
}

pub(crate) type Result<T> = std::result::Result<T, ParseError>;

/// The byte range of a comment.
pub(super) type Comment = (usize, usize);

/// One `name = expr` attribute before evaluation.
pub(super) struct RawAttribute {
    pub name: Str,
    pub name_span: Span,
    pub expr: Expr,
}

/// Parses `src` from byte `start` (after a byte-order mark) into its top-level attributes, and
/// the byte ranges of its comments; `fast` takes the fast paths for plain literals (`literal`),
/// which read the same values.
pub(super) fn parse(src: &str, start: usize, fast: bool) -> Result<(Vec<RawAttribute>, Vec<Comment>)> {
    let mut parser = Parser::new(src, start);
    parser.fast = fast;
    let attributes = parser.body()?;
    Ok((attributes, parser.comments))
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Whether newlines are plain whitespace here (inside `(`, `[`, `${`), as in HCL.
    newlines: bool,
    /// Whether this parser reads a heredoc's template (from the file's text, up to its closing line).
    in_heredoc: bool,
    /// Whether the directive that ended the last template block closed with `~}`.
    last_strip: bool,
    /// Where the quoted string being read starts, for "unterminated" errors.
    quote_start: usize,
    /// The comments read so far (Terraform accepts any bytes inside one).
    comments: Vec<(usize, usize)>,
    /// Whether the template being read had literal text (before any `~` stripping).
    literal_seen: bool,
    /// Whether plain literals take the fast paths.
    fast: bool,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, start: usize) -> Self {
        Parser {
            src,
            bytes: src.as_bytes(),
            pos: start,
            depth: 0,
            newlines: false,
            in_heredoc: false,
            last_strip: false,
            quote_start: start,
            comments: Vec::new(),
            literal_seen: false,
            fast: true,
        }
    }

    fn error<T>(&self, offset: usize, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            offset,
            message: message.into(),
        })
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start, self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|rest| rest.chars().next())
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    fn at_newline(&self) -> bool {
        self.peek() == Some(b'\n') || (self.peek() == Some(b'\r') && self.peek_at(1) == Some(b'\n'))
    }

    /// Runs `f` with newlines as whitespace (`inside` true) or as separators.
    fn with_newlines<T>(&mut self, inside: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.newlines, inside);
        let out = f(self);
        self.newlines = saved;
        out
    }

    fn body(&mut self) -> Result<Vec<RawAttribute>> {
        let mut attributes = Vec::new();
        loop {
            self.skip_space(true)?;
            if self.pos >= self.bytes.len() {
                return Ok(attributes);
            }
            attributes.push(self.attribute()?);
        }
    }

    fn attribute(&mut self) -> Result<RawAttribute> {
        let name_start = self.pos;
        let name = match self.ident() {
            Some(name) => name,
            None => return self.unexpected("an attribute name"),
        };
        let name_span = self.span(name_start);
        self.skip_space(false)?;
        match self.peek() {
            Some(b'=') if self.peek_at(1) != Some(b'=') => self.pos += 1,
            Some(b'{') | Some(b'"') => {
                return self.error(
                    name_start,
                    "blocks are not allowed in a .tfvars file, only `name = value` attributes",
                )
            }
            _ => return self.unexpected("`=` after the attribute name"),
        }
        self.skip_space(false)?;
        let expr = self.expression()?;
        self.skip_space(false)?;
        if self.pos < self.bytes.len() && !self.at_newline() {
            return self.unexpected_after_value();
        }
        Ok(RawAttribute {
            name: name.into(),
            name_span,
            expr,
        })
    }

    fn unexpected<T>(&self, expected: &str) -> Result<T> {
        match self.peek_char() {
            None => self.error(self.pos, format!("unexpected end of file, expected {expected}")),
            Some(c) => self.error(self.pos, format!("unexpected {}, expected {expected}", describe(c))),
        }
    }

    fn unexpected_after_value<T>(&self) -> Result<T> {
        let found = self.peek_char().map(describe).unwrap_or_default();
        self.error(
            self.pos,
            format!("unexpected {found} after a value: each `name = value` must end with a newline"),
        )
    }

    /// Skips blanks and comments; line breaks too with `newlines` or inside brackets.
    fn skip_space(&mut self, newlines: bool) -> Result<()> {
        let newlines = newlines || self.newlines;
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' => self.pos += 1,
                b'\n' if newlines => self.pos += 1,
                b'\r' if self.peek_at(1) == Some(b'\n') => {
                    if !newlines {
                        return Ok(());
                    }
                    self.pos += 2
                }
                b'#' => self.skip_line_comment(),
                b'/' if self.peek_at(1) == Some(b'/') => self.skip_line_comment(),
                b'/' if self.peek_at(1) == Some(b'*') => self.skip_block_comment()?,
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn skip_line_comment(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len() && !self.at_newline() {
            self.pos += 1;
        }
        self.comments.push((start, self.pos));
    }

    fn skip_block_comment(&mut self) -> Result<()> {
        let start = self.pos;
        match self.src[self.pos + 2..].find("*/") {
            Some(end) => {
                self.pos += end + 4;
                self.comments.push((start, self.pos));
                Ok(())
            }
            None => self.error(start, "unterminated `/*` comment"),
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let rest = &self.src[start..];
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if is_ident_start(c) => {}
            _ => return None,
        }
        let len = chars
            .find(|&(_, c)| !is_ident_continue(c))
            .map_or(rest.len(), |(i, _)| i);
        self.pos += len;
        Some(&rest[..len])
    }

    /// Any expression, one nesting level deeper.
    pub(crate) fn expression(&mut self) -> Result<Expr> {
        if self.depth >= MAX_DEPTH {
            return self.error(self.pos, format!("values nest deeper than {MAX_DEPTH} levels; pins reads at most {MAX_DEPTH} (Terraform accepts deeper ones)"));
        }
        if self.fast {
            if let Some(literal) = self.plain_literal() {
                return Ok(literal);
            }
        }
        self.depth += 1;
        let expr = grow_at(self.depth, || self.conditional());
        self.depth -= 1;
        expr
    }

    fn primary(&mut self) -> Result<Expr> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'<') if self.starts_with("<<") => self.heredoc(),
            Some(b'[') => self.tuple(),
            Some(b'{') => self.object(),
            Some(b'(') => self.parenthesized(),
            Some(b'0'..=b'9') => self.number(),
            _ => match self.ident() {
                Some("true") => Ok(self.literal(Value::Bool(true), start)),
                Some("false") => Ok(self.literal(Value::Bool(false), start)),
                Some("null") => Ok(self.literal(Value::Null, start)),
                Some(name) => self.reference(start, name),
                None => self.unexpected("a value"),
            },
        }
    }

    fn literal(&self, value: Value, start: usize) -> Expr {
        Expr::Literal(Node::new(value, self.span(start), Form::Other))
    }

    fn reference(&mut self, start: usize, name: &str) -> Result<Expr> {
        let save = self.pos;
        self.skip_space(false)?;
        if self.peek() == Some(b'(') {
            self.skip_call()?;
            return Ok(Expr::Call(name.into(), self.span(start)));
        }
        if self.starts_with("::") {
            self.pos += 2;
            let _ = self.ident();
            return self.reference(start, name);
        }
        self.pos = save;
        Ok(Expr::Variable(name.into(), self.span(start)))
    }

    /// Skips a call's balanced argument list: Terraform refuses the call whatever its arguments.
    fn skip_call(&mut self) -> Result<()> {
        let start = self.pos;
        self.pos += 1;
        self.with_newlines(true, |p| loop {
            p.skip_space(true)?;
            match p.peek() {
                Some(b')') => {
                    p.pos += 1;
                    return Ok(());
                }
                Some(b',') => p.pos += 1,
                Some(b'.') if p.starts_with("...") => p.pos += 3,
                None => return p.error(start, "unclosed `(`: the call has no closing `)`"),
                _ => {
                    p.expression()?;
                }
            }
        })
    }

    fn parenthesized(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.with_newlines(true, |p| {
            p.skip_space(true)?;
            let inner = p.expression()?;
            p.skip_space(true)?;
            if p.peek() != Some(b')') {
                return p.unexpected("`)`");
            }
            p.pos += 1;
            Ok(Expr::Paren(Box::new(inner), p.span(start)))
        })
    }

    fn number(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.skip_digits();
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.exponent()?;
        }
        let text = &self.src[start..self.pos];
        match crate::tfvars::num::Num::parse(text) {
            Some(n) => Ok(self.literal(Value::Number(std::rc::Rc::new(n)), start)),
            None => match crate::tfvars::num::Num::unread(text) {
                Some(why) => self.error(start, why),
                None => self.error(start, format!("`{text}` is not a number pins can read")),
            },
        }
    }

    fn exponent(&mut self) -> Result<()> {
        self.pos += 1;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let digits = self.pos;
        self.skip_digits();
        if self.pos == digits {
            return self.unexpected("digits in the exponent");
        }
        Ok(())
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// Whether the next word is `for`, which makes a bracket a for-expression.
    fn at_for(&self) -> bool {
        self.starts_with("for")
            && !self
                .peek_at(3)
                .is_some_and(|b| (b as char).is_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80)
    }

    fn tuple(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.with_newlines(true, |p| {
            p.skip_space(true)?;
            if p.at_for() {
                return p.for_expression(start, false);
            }
            let mut items = Vec::new();
            loop {
                p.skip_space(true)?;
                if p.peek() == Some(b']') {
                    break;
                }
                items.push(p.expression()?);
                p.skip_space(true)?;
                match p.peek() {
                    Some(b',') => p.pos += 1,
                    Some(b']') => break,
                    None => return p.error(start, "unclosed `[`: the list has no closing `]`"),
                    _ => return p.unexpected("`,` or `]` in a list"),
                }
            }
            p.pos += 1;
            Ok(match p.fast {
                true => literal::fold_tuple(items, p.span(start)),
                false => Expr::Tuple(items, p.span(start)),
            })
        })
    }

    fn object(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.with_newlines(false, |p| {
            p.skip_space(true)?;
            if p.at_for() {
                return p.with_newlines(true, |p| p.for_expression(start, true));
            }
            let mut items = literal::MapItems::new(p.fast);
            loop {
                p.skip_space(true)?;
                match p.peek() {
                    Some(b'}') => break,
                    None => return p.error(start, "unclosed `{`: the map has no closing `}`"),
                    _ => {}
                }
                items.push(p.entry()?);
                p.skip_space(false)?;
                let comma = p.peek() == Some(b',');
                if comma {
                    p.pos += 1;
                    p.skip_space(false)?;
                }
                let newline = p.at_newline();
                p.skip_space(true)?;
                match p.peek() {
                    Some(b'}') => break,
                    None => return p.error(start, "unclosed `{`: the map has no closing `}`"),
                    _ if comma || newline => {}
                    _ => return p.unexpected("`,`, a newline or `}` after a map entry"),
                }
            }
            p.pos += 1;
            Ok(items.finish(p.span(start)))
        })
    }

    fn entry(&mut self) -> Result<(Key, Expr)> {
        let key = self.key()?;
        self.skip_space(false)?;
        match self.peek() {
            Some(b'=') if self.peek_at(1) != Some(b'=') => self.pos += 1,
            Some(b':') => self.pos += 1,
            _ => return self.unexpected("`=` or `:` after a map key"),
        }
        self.skip_space(false)?;
        let value = self.expression()?;
        Ok((key, value))
    }

    /// A key: a bare name is a string, anything else an expression that must give a string
    /// (HCL reads `a.b`, `null` or `f(x)` as expressions too, which Terraform then refuses).
    fn key(&mut self) -> Result<Key> {
        Ok(match self.expression()? {
            Expr::Variable(name, span) => Key::Name(name, span),
            Expr::Literal(node) if matches!(node.value, Value::Bool(_) | Value::Null) => {
                let word = match node.value {
                    Value::Bool(true) => "true",
                    Value::Bool(false) => "false",
                    _ => "null",
                };
                Key::Name(word.into(), node.span)
            }
            other => Key::Expr(other),
        })
    }
}

fn describe(c: char) -> String {
    match c {
        '\n' => "newline".into(),
        '\r' => "carriage return".into(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}
