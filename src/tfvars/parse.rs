//! A linear-time parser for the literal subset of HCL that Terraform accepts in a `.tfvars` file.
//!
//! hcl-edit 0.10 rejects duplicate keys inside an object (Terraform keeps the last one) and checks
//! each new object key against a linearly searched map (quadratic on large maps), so the reader is
//! our own: it keeps every value's byte span for splicing and never rewrites the source.
//!
//! String slicing here is on offsets that are char boundaries by construction: they come from the
//! parser's positions after ASCII delimiters, from `char_indices`, or from `find` of ASCII text.
//! The fuzz target (`fuzz/`) and the property tests check that no input makes it panic.
#![allow(clippy::string_slice)]

mod operators;
mod strings;

use crate::tfvars::{Attribute, Entry, Form, Node, Span, Value};

/// How deep tuples and objects may nest before the reader gives up (Terraform's own parser has a
/// similar bound; without one a hostile file could exhaust the stack).
pub const MAX_DEPTH: usize = 128;

/// A parse failure at a byte offset of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

type Result<T> = std::result::Result<T, ParseError>;

/// Parses `src` from byte `start` (after a byte-order mark) into its top-level attributes.
pub fn parse(src: &str, start: usize) -> Result<Vec<Attribute>> {
    let mut parser = Parser {
        src,
        bytes: src.as_bytes(),
        pos: start,
        depth: 0,
    };
    parser.body()
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl<'a> Parser<'a> {
    fn error<T>(&self, offset: usize, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            offset,
            message: message.into(),
        })
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

    fn body(&mut self) -> Result<Vec<Attribute>> {
        let mut attributes = Vec::new();
        loop {
            self.skip_space(true)?;
            if self.pos >= self.bytes.len() {
                return Ok(attributes);
            }
            attributes.push(self.attribute()?);
        }
    }

    fn attribute(&mut self) -> Result<Attribute> {
        let name_start = self.pos;
        let name = match self.ident() {
            Some(name) => name,
            None => return self.unexpected("an attribute name"),
        };
        let name_span = Span::new(name_start, self.pos);
        self.skip_space(false)?;
        match self.peek() {
            Some(b'=') => self.pos += 1,
            Some(b'{') | Some(b'"') => {
                return self.error(
                    name_start,
                    "blocks are not allowed in a .tfvars file, only `name = value` attributes",
                )
            }
            _ => return self.unexpected("`=` after the attribute name"),
        }
        self.skip_space(false)?;
        let value = self.expression()?;
        self.skip_space(false)?;
        if self.pos < self.bytes.len() && !self.at_newline() {
            return self.unexpected_after_value();
        }
        Ok(Attribute {
            name: name.into(),
            name_span,
            value,
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
            format!("unexpected {found} after a value: a .tfvars value must be a literal (string, number, bool, null, list or map) followed by a newline"),
        )
    }

    /// Skips blanks and comments; with `newlines`, line breaks too.
    fn skip_space(&mut self, newlines: bool) -> Result<()> {
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
        while self.pos < self.bytes.len() && !self.at_newline() {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) -> Result<()> {
        let start = self.pos;
        match self.src[self.pos + 2..].find("*/") {
            Some(end) => {
                self.pos += end + 4;
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

    fn expression(&mut self) -> Result<Node> {
        if self.depth >= MAX_DEPTH {
            return self.error(self.pos, format!("values nest deeper than {MAX_DEPTH} levels"));
        }
        self.depth += 1;
        let node = self.conditional();
        self.depth -= 1;
        node
    }

    fn primary(&mut self) -> Result<Node> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'<') if self.starts_with("<<") => self.heredoc(),
            Some(b'[') => self.tuple(),
            Some(b'{') => self.object(),
            Some(b'(') => self.parenthesized(),
            Some(b'-') | Some(b'0'..=b'9') => self.number(),
            _ => match self.ident() {
                Some("true") => Ok(Node::new(Value::Bool(true), Span::new(start, self.pos), Form::Other)),
                Some("false") => Ok(Node::new(Value::Bool(false), Span::new(start, self.pos), Form::Other)),
                Some("null") => Ok(Node::new(Value::Null, Span::new(start, self.pos), Form::Other)),
                Some(name) => self.reference(start, name),
                None => self.unexpected("a value"),
            },
        }
    }

    fn reference<T>(&self, start: usize, name: &str) -> Result<T> {
        if self.peek() == Some(b'(') {
            return self.error(
                start,
                format!("functions may not be called in a .tfvars file (`{name}(…)`); use a literal value"),
            );
        }
        self.error(start, format!("variables and references are not allowed in a .tfvars file (`{name}`); use a literal value, or quote it if it is a string"))
    }

    fn parenthesized(&mut self) -> Result<Node> {
        self.pos += 1;
        self.skip_space(true)?;
        let node = self.expression()?;
        self.skip_space(true)?;
        if self.peek() != Some(b')') {
            return self.unexpected_after_value();
        }
        self.pos += 1;
        Ok(node)
    }

    fn number(&mut self) -> Result<Node> {
        let start = self.pos;
        let mut text = String::new();
        if self.peek() == Some(b'-') {
            text.push('-');
            self.pos += 1;
            self.skip_space(false)?;
        }
        let digits = self.pos;
        self.skip_digits();
        if self.pos == digits {
            return self.unexpected("a number after `-`");
        }
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.exponent()?;
        }
        text.push_str(&self.src[digits..self.pos]);
        Ok(Node::new(
            Value::Number(text.into()),
            Span::new(start, self.pos),
            Form::Other,
        ))
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

    fn tuple(&mut self) -> Result<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space(true)?;
            if self.peek() == Some(b']') {
                break;
            }
            items.push(self.expression()?);
            self.skip_space(true)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => break,
                None => return self.error(start, "unclosed `[`: the list has no closing `]`"),
                _ => return self.unexpected("`,` or `]` in a list"),
            }
        }
        self.pos += 1;
        Ok(Node::new(
            Value::Tuple(items.into()),
            Span::new(start, self.pos),
            Form::Other,
        ))
    }

    fn object(&mut self) -> Result<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_space(true)?;
            match self.peek() {
                Some(b'}') => break,
                None => return self.error(start, "unclosed `{`: the map has no closing `}`"),
                _ => {}
            }
            entries.push(self.entry()?);
            self.skip_space(false)?;
            let comma = self.peek() == Some(b',');
            if comma {
                self.pos += 1;
                self.skip_space(false)?;
            }
            let newline = self.at_newline();
            self.skip_space(true)?;
            match self.peek() {
                Some(b'}') => break,
                None => return self.error(start, "unclosed `{`: the map has no closing `}`"),
                _ if comma || newline => {}
                _ => return self.unexpected("`,`, a newline or `}` after a map entry"),
            }
        }
        self.pos += 1;
        Ok(Node::new(
            Value::Object(entries.into()),
            Span::new(start, self.pos),
            Form::Other,
        ))
    }

    fn entry(&mut self) -> Result<Entry> {
        let key_start = self.pos;
        let (key, quoted) = self.key()?;
        let key_span = Span::new(key_start, self.pos);
        self.skip_space(false)?;
        match self.peek() {
            Some(b'=') | Some(b':') => self.pos += 1,
            _ => return self.unexpected("`=` or `:` after a map key"),
        }
        self.skip_space(false)?;
        let value = self.expression()?;
        Ok(Entry {
            key: crate::tfvars::nfc(key),
            key_span,
            quoted,
            value,
        })
    }

    fn key(&mut self) -> Result<(String, bool)> {
        match self.peek() {
            Some(b'"') => match self.quoted()?.value {
                Value::String(s) => Ok((s.to_string(), true)),
                _ => self.unexpected("a map key"),
            },
            Some(b'(') => {
                let node = self.parenthesized()?;
                key_text(&node.value).map(|k| (k, false)).ok_or(ParseError {
                    offset: node.span.start(),
                    message: "a map key must be a string, number or bool".into(),
                })
            }
            Some(b'-') | Some(b'0'..=b'9') => match self.number()?.value {
                Value::Number(n) => Ok((crate::tfvars::number_text(&n), false)),
                _ => self.unexpected("a map key"),
            },
            _ => match self.ident() {
                Some(name) => Ok((name.to_string(), false)),
                None => self.unexpected("a map key"),
            },
        }
    }
}

fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(crate::tfvars::number_text(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
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
