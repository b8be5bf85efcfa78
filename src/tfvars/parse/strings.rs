//! String literals and templates: quoted strings with their escapes, heredocs with `<<-`
//! indentation removed as HCL does, and the template language inside both (`${…}`,
//! `%{ if }`/`%{ for }` directives, `~` whitespace stripping, `$${` and `%%{` escapes).
//!
//! String slicing here is on offsets that are char boundaries by construction (positions after
//! ASCII delimiters, `char_indices`, `find` of ASCII text); the fuzzer checks it.
#![allow(clippy::string_slice)]

use super::{Parser, Result};
use crate::tfvars::expr::{Expr, Part};
use crate::tfvars::{Form, Node, Value};

/// How a run of template parts ended.
#[allow(clippy::enum_variant_names)] // named after the directives `endif` and `endfor`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Text,
    Else,
    EndIf,
    EndFor,
}

impl<'a> Parser<'a> {
    pub(super) fn quoted(&mut self) -> Result<Expr> {
        let start = self.pos;
        self.pos += 1;
        let outer = std::mem::replace(&mut self.quote_start, start);
        let seen = std::mem::replace(&mut self.literal_seen, false);
        let parts = self.parts(true);
        self.quote_start = outer;
        let literal_seen = std::mem::replace(&mut self.literal_seen, seen);
        let (parts, end) = parts?;
        if end != End::Text {
            return self.error(start, format!("unexpected `%{{ {} }}` in a string", end_word(end)));
        }
        self.pos += 1;
        if literal_seen && matches!(parts.as_slice(), [Part::Interpolation(_)]) {
            // Text around a lone interpolation makes a string even when `~` strips it all (an
            // empty literal part keeps the template from standing for the interpolation's value).
            let mut parts = parts;
            parts.push(Part::Literal(String::new()));
            return Ok(Expr::Template(parts, self.span(start)));
        }
        Ok(self.template_or_literal(parts, start, Form::Quoted))
    }

    fn template_or_literal(&self, parts: Vec<Part>, start: usize, form: Form) -> Expr {
        match parts.as_slice() {
            [] => self.string_literal(String::new(), start, form),
            [Part::Literal(s)] => self.string_literal(s.clone(), start, form),
            _ => Expr::Template(parts, self.span(start)),
        }
    }

    fn string_literal(&self, text: String, start: usize, form: Form) -> Expr {
        let form = if self.base == 0 { form } else { Form::Other };
        Expr::Literal(Node::new(
            Value::String(crate::tfvars::nfc(text)),
            self.span(start),
            form,
        ))
    }

    /// Template parts up to the closing quote (`quoted`) or the end of the text, or a directive
    /// that ends a block (`else`, `endif`, `endfor`).
    fn parts(&mut self, quoted: bool) -> Result<(Vec<Part>, End)> {
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        let mut strip_next = false;
        let end = loop {
            let run = self
                .bytes
                .get(self.pos..)
                .unwrap_or_default()
                .iter()
                .position(|&b| matches!(b, b'$' | b'%') || (quoted && matches!(b, b'"' | b'\\' | b'\n' | b'\r')))
                .map_or(self.bytes.len(), |i| self.pos + i);
            text.push_str(&self.src[self.pos..run]);
            self.pos = run;
            match self.peek() {
                None if quoted => return self.unterminated(),
                None => break End::Text,
                Some(b'"') => break End::Text,
                Some(b'\\') => self.escape(&mut text)?,
                Some(b'\n' | b'\r') => return self.unterminated(),
                Some(mark) => {
                    if self.peek_at(1) == Some(mark) && self.peek_at(2) == Some(b'{') {
                        text.push(mark as char);
                        text.push('{');
                        self.pos += 3;
                        continue;
                    }
                    if self.peek_at(1) != Some(b'{') {
                        text.push(mark as char);
                        self.pos += 1;
                        continue;
                    }
                    self.pos += 2;
                    let strip_before = self.strip_mark();
                    self.literal_seen |= !text.is_empty();
                    push_text(&mut parts, std::mem::take(&mut text), strip_next, strip_before, !quoted);
                    let (part, stop, strip_after) = if mark == b'$' {
                        self.interpolation()?
                    } else {
                        self.directive(quoted)?
                    };
                    strip_next = strip_after;
                    if let Some(stop) = stop {
                        self.last_strip = strip_after;
                        strip_next = false;
                        break stop;
                    }
                    parts.extend(part);
                }
            }
        };
        self.literal_seen |= !text.is_empty();
        push_text(&mut parts, text, strip_next, false, !quoted);
        Ok((parts, end))
    }

    fn unterminated<T>(&self) -> Result<T> {
        self.error(
            self.quote_start,
            "unterminated string: a quoted string must end on the line it starts",
        )
    }

    /// A `~` right after `${` or `%{`.
    fn strip_mark(&mut self) -> bool {
        let strip = self.peek() == Some(b'~');
        if strip {
            self.pos += 1;
        }
        strip
    }

    /// `[~]}` closing an interpolation or directive; whether it strips what follows.
    fn close_template(&mut self) -> Result<bool> {
        self.skip_space(true)?;
        let strip = self.strip_mark();
        if self.peek() != Some(b'}') {
            return self.unexpected("`}` closing the template sequence");
        }
        self.pos += 1;
        Ok(strip)
    }

    fn interpolation(&mut self) -> Result<(Option<Part>, Option<End>, bool)> {
        let expr = self.with_newlines(true, |p| {
            p.skip_space(true)?;
            p.expression()
        })?;
        let strip = self.with_newlines(true, |p| p.close_template())?;
        Ok((Some(Part::Interpolation(expr)), None, strip))
    }

    fn directive(&mut self, quoted: bool) -> Result<(Option<Part>, Option<End>, bool)> {
        let at = self.pos;
        self.with_newlines(true, |p| p.skip_space(true))?;
        for (word, end) in [("else", End::Else), ("endif", End::EndIf), ("endfor", End::EndFor)] {
            if self.at_word(word) {
                self.pos += word.len();
                let strip = self.with_newlines(true, |p| p.close_template())?;
                return Ok((None, Some(end), strip));
            }
        }
        if self.at_word("if") {
            self.pos += 2;
            return self.if_directive(quoted);
        }
        if self.at_word("for") {
            self.pos += 3;
            return self.for_directive(quoted, at);
        }
        self.unexpected("`if`, `for`, `else`, `endif` or `endfor` after `%{`")
    }

    fn if_directive(&mut self, quoted: bool) -> Result<(Option<Part>, Option<End>, bool)> {
        let cond = self.with_newlines(true, |p| {
            p.skip_space(true)?;
            p.expression()
        })?;
        let strip = self.with_newlines(true, |p| p.close_template())?;
        let (mut yes, end) = self.nested(quoted)?;
        strip_front(&mut yes, strip, !quoted);
        let (no, end) = match end {
            End::Else => {
                let strip = self.last_strip;
                let (mut no, end) = self.nested(quoted)?;
                strip_front(&mut no, strip, !quoted);
                (no, end)
            }
            other => (Vec::new(), other),
        };
        if end != End::EndIf {
            return self.error(self.pos, "an `%{ if }` needs a matching `%{ endif }`");
        }
        Ok((Some(Part::If(cond, yes, no)), None, self.last_strip))
    }

    fn for_directive(&mut self, quoted: bool, at: usize) -> Result<(Option<Part>, Option<End>, bool)> {
        let (key, value, coll) = self.with_newlines(true, |p| {
            p.skip_space(true)?;
            let (k, v) = p.for_vars()?;
            p.keyword("in")?;
            Ok((k, v, p.expression()?))
        })?;
        let strip = self.with_newlines(true, |p| p.close_template())?;
        let (mut body, end) = self.nested(quoted)?;
        strip_front(&mut body, strip, !quoted);
        if end != End::EndFor {
            return self.error(at, "a `%{ for }` needs a matching `%{ endfor }`");
        }
        Ok((
            Some(Part::For(key, value, coll, body, at + self.base)),
            None,
            self.last_strip,
        ))
    }

    /// The parts of a directive's block, one nesting level deeper.
    fn nested(&mut self, quoted: bool) -> Result<(Vec<Part>, End)> {
        if self.depth >= super::MAX_DEPTH {
            return self.error(self.pos, "template directives nest too deeply");
        }
        self.depth += 1;
        let out = super::grow(|| self.parts(quoted));
        self.depth -= 1;
        let (parts, end) = out?;
        if end == End::Text {
            return self.error(self.pos, "a template directive is not closed");
        }
        Ok((parts, end))
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

    pub(super) fn heredoc(&mut self) -> Result<Expr> {
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
        let body = self.pos;
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
                self.pos += content.len();
                break;
            }
            lines.push(line);
            self.pos = end;
        }
        let text = heredoc_text(&lines, flush);
        let mut sub = Parser::new(&text, 0);
        sub.base = self.base + body;
        sub.depth = self.depth;
        let (parts, end) = sub.parts(false)?;
        if end != End::Text {
            return self.error(start, format!("unexpected `%{{ {} }}` in a heredoc", end_word(end)));
        }
        let expr = match parts.as_slice() {
            // A heredoc is always a string template, never the bare value of one interpolation.
            [Part::Interpolation(_)] => Expr::Template(
                parts.into_iter().chain([Part::Literal(String::new())]).collect(),
                self.span(start),
            ),
            _ => self.template_or_literal(parts, start, Form::Heredoc),
        };
        Ok(match expr {
            Expr::Literal(mut node) => {
                node.form = Form::Heredoc;
                Expr::Literal(node)
            }
            other => other,
        })
    }
}

fn end_word(end: End) -> &'static str {
    match end {
        End::Else => "else",
        End::EndIf => "endif",
        End::EndFor => "endfor",
        End::Text => "",
    }
}

/// Adds a literal part, with whitespace stripped after a `~}` (`front`) or before a `{~` (`back`).
/// In a heredoc each line is its own literal, so stripping stops at a line break there.
fn push_text(parts: &mut Vec<Part>, text: String, front: bool, back: bool, heredoc: bool) {
    let mut text = text;
    if front {
        text = strip_start(&text, heredoc);
    }
    if back {
        text = strip_end(&text, heredoc);
    }
    if !text.is_empty() {
        parts.push(Part::Literal(text));
    }
}

fn strip_start(text: &str, heredoc: bool) -> String {
    let token_end = if heredoc {
        text.find('\n').map_or(text.len(), |i| i + 1)
    } else {
        text.len()
    };
    format!("{}{}", text[..token_end].trim_start(), &text[token_end..])
}

fn strip_end(text: &str, heredoc: bool) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let token_start = if heredoc {
        body.rfind('\n').map_or(0, |i| i + 1)
    } else {
        0
    };
    format!("{}{}", &text[..token_start], text[token_start..].trim_end())
}

fn strip_front(parts: &mut Vec<Part>, strip: bool, heredoc: bool) {
    if !strip {
        return;
    }
    if let Some(Part::Literal(text)) = parts.first_mut() {
        *text = strip_start(text, heredoc);
        if text.is_empty() {
            parts.remove(0);
        }
    }
}

/// The text of a heredoc's lines, with `<<-` indentation removed as HCL does: blank lines are
/// skipped when counting and kept as they are. HCL strips `~` whitespace first, so a line that
/// starts with `${~` counts as unindented, and a line whose line break a `~` removed (after a
/// `~}`, or before a `${~` that starts the next line) does not start a line at all.
fn heredoc_text(lines: &[&str], flush: bool) -> String {
    let blank = |l: &str| l.trim_start().is_empty() && l.ends_with('\n');
    let indent = |l: &str| l.chars().take_while(|c| c.is_whitespace()).count();
    let opens_strip = |l: &str| {
        let rest = l.trim_start_matches([' ', '\t']);
        rest.starts_with("${~") || rest.starts_with("%{~")
    };
    let glued = |i: usize| {
        let line: &str = lines.get(i).copied().unwrap_or_default();
        let previous_closes = i > 0 && lines.get(i - 1).is_some_and(|p| p.trim_end().ends_with("~}"));
        previous_closes || (i > 0 && (line.starts_with("${~") || line.starts_with("%{~")))
    };
    let strip = if flush {
        (0..lines.len())
            .filter(|&i| !glued(i))
            .filter_map(|i| lines.get(i).map(|l| (l, opens_strip(l))))
            .filter(|(l, opens)| *opens || !blank(l))
            .map(|(l, opens)| if opens { 0 } else { indent(l) })
            .min()
            .unwrap_or(0)
    } else {
        0
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let keep = blank(line) || glued(i) || opens_strip(line);
        out.push_str(if keep { line } else { skip_chars(line, strip) });
    }
    out
}

fn skip_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or("", |(i, _)| &s[i..])
}
