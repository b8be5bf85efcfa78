//! String literals of the tfvars reader: quoted strings with their escapes, template marks, and
//! heredocs with `<<-` indentation removed as HCL does.
//!
//! String slicing here is on offsets that are char boundaries by construction (positions after
//! ASCII delimiters, `char_indices`, `find` of ASCII text); the fuzzer checks it.
#![allow(clippy::string_slice)]

use super::{ParseError, Parser, Result};
use crate::tfvars::{Form, Node, Span, Value};

impl<'a> Parser<'a> {
    pub(super) fn quoted(&mut self) -> Result<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self
                .bytes
                .get(self.pos..)
                .unwrap_or_default()
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | b'$' | b'%' | b'\n' | b'\r'))
                .map_or(self.bytes.len(), |i| self.pos + i);
            out.push_str(&self.src[self.pos..run]);
            self.pos = run;
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => self.escape(&mut out)?,
                Some(b'$') | Some(b'%') => self.template_mark(&mut out)?,
                _ => {
                    return self.error(
                        start,
                        "unterminated string: a quoted string must end on the line it starts",
                    )
                }
            }
        }
        self.pos += 1;
        Ok(Node::new(
            Value::String(crate::tfvars::nfc(out)),
            Span::new(start, self.pos),
            Form::Quoted,
        ))
    }

    /// `$${` and `%%{` are escapes; `${` and `%{` start a template, which a literal value cannot use.
    fn template_mark(&mut self, out: &mut String) -> Result<()> {
        let mark = self.peek().unwrap_or(b'$') as char;
        if self.peek_at(1) == Some(mark as u8) && self.peek_at(2) == Some(b'{') {
            out.push(mark);
            out.push('{');
            self.pos += 3;
        } else if self.peek_at(1) == Some(b'{') {
            return self.error(self.pos, format!("template sequences (`{mark}{{…}}`) are not supported in a .tfvars value; write the literal text (or escape it as `{mark}{mark}{{`)"));
        } else {
            out.push(mark);
            self.pos += 1;
        }
        Ok(())
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.pos;
        let simple = match self.peek_at(1) {
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            self.pos += 2;
            return Ok(());
        }
        let digits = match self.peek_at(1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => {
                return self.error(
                    at,
                    "invalid escape sequence: use \\n, \\r, \\t, \\\", \\\\, \\uNNNN or \\UNNNNNNNN",
                )
            }
        };
        let hex = self.src.get(self.pos + 2..self.pos + 2 + digits).unwrap_or("");
        let code = u32::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.len() == digits && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        match code.and_then(char::from_u32) {
            Some(c) => {
                out.push(c);
                self.pos += 2 + digits;
                Ok(())
            }
            None => self.error(
                at,
                "invalid unicode escape: expected hexadecimal digits naming a valid character",
            ),
        }
    }

    pub(super) fn heredoc(&mut self) -> Result<Node> {
        let start = self.pos;
        self.pos += 2;
        let flush = self.peek() == Some(b'-');
        if flush {
            self.pos += 1;
        }
        let marker = match self.ident() {
            Some(m) => m,
            None => return self.unexpected("a heredoc marker such as EOT after `<<`"),
        };
        if !self.at_newline() {
            return self.unexpected("a newline after the heredoc marker");
        }
        self.pos += if self.peek() == Some(b'\r') { 2 } else { 1 };
        let mut lines: Vec<&'a str> = Vec::new();
        loop {
            if self.pos >= self.bytes.len() {
                return self.error(start, format!("unterminated heredoc: no closing `{marker}` line"));
            }
            let end = self.src[self.pos..]
                .find('\n')
                .map_or(self.bytes.len(), |i| self.pos + i + 1);
            let line = &self.src[self.pos..end];
            let content = line.trim_end_matches('\n').trim_end_matches('\r');
            if content.trim_start_matches([' ', '\t']) == marker {
                self.pos += line.len() - (line.len() - content.len());
                break;
            }
            lines.push(line);
            self.pos = end;
        }
        let text = heredoc_text(&lines, flush).map_err(|offset| ParseError {
            offset: offset + start,
            message: "template sequences (`${…}`, `%{…}`) are not supported in a .tfvars heredoc".into(),
        })?;
        Ok(Node::new(
            Value::String(crate::tfvars::nfc(text)),
            Span::new(start, self.pos),
            Form::Heredoc,
        ))
    }
}

/// The text a heredoc's lines evaluate to, with `<<-` indentation removed as HCL does: blank lines
/// are skipped when counting and kept as they are.
fn heredoc_text(lines: &[&str], flush: bool) -> std::result::Result<String, usize> {
    let blank = |l: &str| l.trim_start().is_empty() && l.ends_with('\n');
    let indent = |l: &str| l.chars().take_while(|c| c.is_whitespace()).count();
    let strip = if flush {
        lines.iter().filter(|l| !blank(l)).map(|l| indent(l)).min().unwrap_or(0)
    } else {
        0
    };
    let mut out = String::new();
    for line in lines {
        let line = if blank(line) { line } else { skip_chars(line, strip) };
        push_template_literal(&mut out, line)?;
    }
    Ok(out)
}

fn skip_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or("", |(i, _)| &s[i..])
}

fn push_template_literal(out: &mut String, text: &str) -> std::result::Result<(), usize> {
    let mut rest = text;
    while let Some(i) = rest.find(['$', '%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let mark = &tail[..1];
        if tail[1..].starts_with(mark) && tail[2..].starts_with('{') {
            out.push_str(mark);
            out.push('{');
            rest = &tail[3..];
        } else if tail[1..].starts_with('{') {
            return Err(0);
        } else {
            out.push_str(mark);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(())
}
