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
        let form = if !self.in_heredoc { form } else { Form::Other };
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
        Ok((Some(Part::For(key, value, coll, body, at)), None, self.last_strip))
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

    /// Finds the line that closes a heredoc: only the marker, maybe indented, then a line break
    /// (HCL does not close a heredoc at the very end of the file). Returns where that line
    /// starts, and leaves the parser after the marker.
    fn closing_marker(&mut self, start: usize, marker: &str) -> Result<usize> {
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
                if !line.ends_with('\n') {
                    return self.error(
                        end,
                        format!("unterminated heredoc: the closing `{marker}` must be followed by a line break, and the file ends right after it"),
                    );
                }
                let line_start = self.pos;
                self.pos += content.len();
                return Ok(line_start);
            }
            self.pos = end;
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
        let close = self.closing_marker(start, marker)?;
        let mut sub = Parser::new(&self.src[..close], body);
        sub.in_heredoc = true;
        sub.depth = self.depth;
        sub.fast = self.fast;
        let parsed = sub.parts(false);
        self.comments.append(&mut sub.comments);
        let (mut parts, end) = parsed?;
        if flush {
            flush_heredoc(&mut parts);
        }
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
    if heredoc && (text.ends_with("$\r\n") || text.ends_with("%\r\n")) {
        // HCL's scanner takes the character after a lone `$` or `%` into its token, so the `\r`
        // stays with it and the `\n` alone is the token that `~` strips.
        return text[..text.len() - 1].to_string();
    }
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

/// Removes `<<-` indentation as HCL does, after `~` stripping, on the template's tokens: a
/// token starts a line when it comes first or after a literal that ends with a line break (so the
/// lines inside a multi-line `${…}` or `%{…}` do not count). A line that starts with `${` or
/// `%{` has no indentation, which makes the common indentation zero; blank lines are not counted.
fn flush_heredoc(parts: &mut [Part]) {
    let mut min = usize::MAX;
    walk(parts, &mut true, &mut |text: &mut String, at_start: bool| {
        measure(text, at_start, &mut min);
    });
    if min == 0 || min == usize::MAX {
        return;
    }
    walk(parts, &mut true, &mut |text: &mut String, at_start: bool| {
        *text = dedent(text, at_start, min);
    });
}

/// Calls `f` on every literal in token order with whether it starts a line; a directive or
/// interpolation at the start of a line is reported as an empty literal there.
fn walk(parts: &mut [Part], line_start: &mut bool, f: &mut dyn FnMut(&mut String, bool)) {
    let marker = |line_start: &mut bool, f: &mut dyn FnMut(&mut String, bool)| {
        if *line_start {
            f(&mut String::new(), true);
        }
        *line_start = false;
    };
    for part in parts {
        match part {
            Part::Literal(text) => {
                f(text, *line_start);
                *line_start = text.ends_with('\n');
            }
            Part::Interpolation(_) => marker(line_start, f),
            Part::If(_, yes, no) => {
                marker(line_start, f);
                walk(yes, line_start, f);
                marker(line_start, f);
                walk(no, line_start, f);
                if !no.is_empty() {
                    marker(line_start, f);
                }
            }
            Part::For(_, _, _, body, _) => {
                marker(line_start, f);
                walk(body, line_start, f);
                marker(line_start, f);
            }
        }
    }
}

/// The lines of a literal (each is its own token in HCL) with whether each starts a line.
fn lines(text: &str, at_start: bool) -> impl Iterator<Item = (&str, bool)> {
    text.split_inclusive('\n')
        .enumerate()
        .map(move |(i, line)| (line, i > 0 || at_start))
}

fn is_blank(line: &str) -> bool {
    line.trim_start().is_empty() && line.ends_with('\n')
}

fn measure(text: &str, at_start: bool, min: &mut usize) {
    if text.is_empty() && at_start {
        *min = 0;
    }
    for (line, starts) in lines(text, at_start) {
        if starts && !is_blank(line) {
            *min = (*min).min(line.chars().take_while(|c| c.is_whitespace()).count());
        }
    }
}

fn dedent(text: &str, at_start: bool, n: usize) -> String {
    lines(text, at_start)
        .map(|(line, starts)| {
            if starts && !is_blank(line) {
                line.char_indices().nth(n).map_or("", |(i, _)| &line[i..])
            } else {
                line
            }
        })
        .collect()
}
