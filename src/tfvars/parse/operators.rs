//! Operators over literal operands (`24 * 60`, `a ? b : c`), folded while reading as Terraform
//! evaluates them in a `.tfvars` file.

use super::{ParseError, Parser, Result};
use crate::tfvars::ops;
use crate::tfvars::{Form, Node, Span, Value};

impl Parser<'_> {
    /// `cond ? a : b`, the loosest operator; Terraform folds operators over literal operands.
    pub(super) fn conditional(&mut self) -> Result<Node> {
        let start = self.pos;
        let cond = self.binary(0)?;
        self.skip_space(false)?;
        if self.peek() != Some(b'?') {
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
        let chosen = match cond.value {
            Value::Bool(true) => yes,
            Value::Bool(false) => no,
            _ => return self.error(cond.span.start(), "the condition of `? :` must be a bool"),
        };
        Ok(Node::new(chosen.value, Span::new(start, self.pos), Form::Other))
    }

    fn binary(&mut self, level: usize) -> Result<Node> {
        if level == ops::LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let save = self.pos;
            self.skip_space(false)?;
            let Some(op) = ops::LEVELS
                .get(level)
                .and_then(|ops| ops.iter().find(|op| self.at_operator(op)))
            else {
                self.pos = save;
                return Ok(left);
            };
            let op_at = self.pos;
            self.pos += op.len();
            self.skip_space(false)?;
            let right = self.binary(level + 1)?;
            let value =
                ops::apply(op, &left.value, &right.value).map_err(|message| ParseError { offset: op_at, message })?;
            left = Node::new(value, Span::new(left.span.start(), right.span.end()), Form::Other);
        }
    }

    fn at_operator(&self, op: &str) -> bool {
        // `<` must not be read from `<=`, nor `=` from `==`, nor `!` from `!=`.
        self.starts_with(op) && !(op.len() == 1 && matches!(self.peek_at(1), Some(b'=')) && op != "=")
    }

    fn unary(&mut self) -> Result<Node> {
        let start = self.pos;
        match self.peek() {
            Some(b'!') => {
                self.pos += 1;
                self.skip_space(false)?;
                let operand = self.unary()?;
                match operand.value {
                    Value::Bool(b) => Ok(Node::new(
                        Value::Bool(!b),
                        Span::new(start, operand.span.end()),
                        Form::Other,
                    )),
                    _ => self.error(start, "`!` needs a bool"),
                }
            }
            Some(b'-') if !self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                self.pos += 1;
                self.skip_space(false)?;
                let operand = self.unary()?;
                let value = ops::apply("-", &Value::Number("0".into()), &operand.value)
                    .map_err(|message| ParseError { offset: start, message })?;
                Ok(Node::new(value, Span::new(start, operand.span.end()), Form::Other))
            }
            _ => self.primary(),
        }
    }
}
