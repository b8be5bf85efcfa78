//! The reader of JSON var files: a positioned JSON parser that keeps every key's and value's byte
//! span (for messages and for splicing), with the grammar and the string decoding of HCL's JSON
//! syntax (Go's `encoding/json` rules for strings, 512-bit decimal numbers).
//!
//! Slicing is on offsets after ASCII bytes, so always on char boundaries.
#![allow(clippy::string_slice)]

use std::collections::HashMap;

use crate::tfvars::num::Num;
use crate::tfvars::parse::{grow, MAX_DEPTH};
use crate::tfvars::{nfc, Entry, Form, Node, Span, Str, Value};

/// A failure at a byte offset.
pub(super) type Error = (usize, String);
type Result<T> = std::result::Result<T, Error>;

/// One property of an object as written: its quoted key and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub key: Span,
    pub value: Span,
}

/// The file's top-level object: where its braces are and every property, `"//"` comments and
/// all, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub span: Span,
    pub members: Vec<Member>,
}

/// A parsed file: the root object's properties (each key decoded, not normalised) and its shape.
pub(super) struct Parsed {
    pub properties: Vec<(Str, Span, Node)>,
    pub root: Root,
}

/// Parses the whole text as one JSON value, which must be an object.
pub(super) fn parse(text: &str) -> Result<Parsed> {
    if text.starts_with('\u{feff}') {
        return Err((0, "this JSON var file starts with a byte-order mark, which Terraform refuses (\"Invalid start of value\"); remove it".into()));
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    reader.skip_blanks();
    let start = reader.pos;
    if reader.peek() != Some(b'{') {
        let value = reader.value()?;
        return Err((
            start,
            format!(
                "a JSON var file must be one object whose properties are the variables; this one is {}",
                value.kind()
            ),
        ));
    }
    let (properties, members) = reader.members(true)?;
    let root = Root {
        span: reader.span(start),
        members,
    };
    reader.skip_blanks();
    if reader.pos < text.len() {
        return Err((
            reader.pos,
            "extra characters after the JSON object; a JSON var file holds exactly one object".into(),
        ));
    }
    Ok(Parsed { properties, root })
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start, self.pos)
    }

    /// JSON's blanks: space, tab, line feed and carriage return, nothing else.
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Node> {
        self.skip_blanks();
        let start = self.pos;
        match self.peek() {
            Some(b'{') => {
                let (entries, _) = self.members(false)?;
                let entries = entries
                    .into_iter()
                    .map(|(key, key_span, value)| Entry {
                        key: nfc(key.to_string()),
                        key_span,
                        quoted: true,
                        value,
                    })
                    .collect();
                Ok(Node::new(Value::Object(entries), self.span(start), Form::Other))
            }
            Some(b'[') => self.array(),
            Some(b'"') => {
                let text = self.string()?;
                Ok(Node::new(Value::String(nfc(text)), self.span(start), Form::Json))
            }
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.keyword(),
            Some(b'/') => Err((start, "JSON has no comments; Terraform refuses `//` and `/*` in a JSON var file (a top-level \"//\" property is the way to write one)".into())),
            None => Err((start, "the JSON ends where a value should be".into())),
            Some(_) => Err((start, format!("{} cannot start a JSON value (a value is an object, an array, a string, a number, true, false or null)", self.describe(start)))),
        }
    }

    fn describe(&self, at: usize) -> String {
        match self.text[at..].chars().next() {
            Some('\u{fffd}') => "a byte that is not UTF-8".into(),
            Some(c) if c.is_control() || c == '\u{feff}' => format!("U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
            None => "the end of the file".into(),
        }
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err((self.pos, format!("values nest deeper than {MAX_DEPTH} levels; pins reads at most {MAX_DEPTH} (Terraform accepts deeper ones)")));
        }
        self.depth += 1;
        Ok(())
    }

    /// An object's properties (keys as decoded) and their spans, duplicates refused: nested keys
    /// after NFC normalisation, as Terraform compares them, top-level ones as written.
    #[allow(clippy::type_complexity)]
    fn members(&mut self, root: bool) -> Result<(Vec<(Str, Span, Node)>, Vec<Member>)> {
        self.enter()?;
        let open = self.pos;
        self.pos += 1;
        let mut properties = Vec::new();
        let mut members = Vec::new();
        let mut seen: HashMap<Str, usize> = HashMap::new();
        self.skip_blanks();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok((properties, members));
        }
        loop {
            self.skip_blanks();
            let (key, key_span) = self.key()?;
            self.colon()?;
            let value = grow(|| self.value())?;
            let compared = if root { key.clone() } else { nfc(key.to_string()) };
            if !(root && &*key == "//") {
                if let Some(first) = seen.insert(compared.clone(), key_span.start()) {
                    return Err((key_span.start(), duplicate(root, &compared, self.position(first))));
                }
            }
            members.push(Member {
                key: key_span,
                value: value.span,
            });
            properties.push((key, key_span, value));
            if self.separator(open, '}', "object")? {
                break;
            }
        }
        self.depth -= 1;
        Ok((properties, members))
    }

    fn key(&mut self) -> Result<(Str, Span)> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err((
                start,
                format!(
                    "{} cannot start a property name: JSON property names are quoted strings",
                    self.describe(start)
                ),
            ));
        }
        let key: Str = self.string()?.into();
        Ok((key, self.span(start)))
    }

    fn colon(&mut self) -> Result<()> {
        self.skip_blanks();
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'=') => Err((
                self.pos,
                "JSON separates a property's name from its value with `:`, not `=`".into(),
            )),
            _ => Err((
                self.pos,
                format!(
                    "expected `:` after the property name, found {}",
                    self.describe(self.pos)
                ),
            )),
        }
    }

    /// After an element: `,` (and another element) or the closing bracket; true at the close.
    fn separator(&mut self, open: usize, close: char, what: &str) -> Result<bool> {
        self.skip_blanks();
        let at = self.pos;
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_blanks();
                if self.peek() == Some(close as u8) {
                    return Err((
                        at,
                        format!("a trailing comma in an {what}: JSON does not allow one after the last element"),
                    ));
                }
                Ok(false)
            }
            Some(c) if c == close as u8 => {
                self.pos += 1;
                Ok(true)
            }
            None => Err((open, format!("this {what} is never closed: expected `{close}`"))),
            Some(b']' | b'}') => Err((at, format!("this {what} must be closed with `{close}`"))),
            Some(_) => Err((at, format!("expected `,` or `{close}`, found {}", self.describe(at)))),
        }
    }

    fn array(&mut self) -> Result<Node> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_blanks();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(grow(|| self.value())?);
                if self.separator(start, ']', "array")? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Node::new(Value::Tuple(items.into()), self.span(start), Form::Other))
    }

    /// A number token as HCL's scanner takes it (any run of `-+.eE` and digits), then checked
    /// against JSON's grammar and read as a 512-bit float.
    fn number(&mut self) -> Result<Node> {
        let start = self.pos;
        while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        if !is_json_number(text) {
            return Err((start, format!("`{text}` is not a JSON number")));
        }
        let num = Num::parse(text).ok_or_else(|| {
            (
                start,
                format!("`{text}` is a number too large for pins (its exponent is out of range)"),
            )
        })?;
        Ok(Node::new(Value::Number(num.into()), self.span(start), Form::Other))
    }

    fn keyword(&mut self) -> Result<Node> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') {
            self.pos += 1;
        }
        let value = match &self.text[start..self.pos] {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            word => return Err((start, format!("`{word}` is not a JSON keyword (true, false or null)"))),
        };
        Ok(Node::new(value, self.span(start), Form::Other))
    }

    /// A string's decoded text, as Go's `encoding/json` decodes it: a lone surrogate escape is
    /// U+FFFD; raw control characters are refused.
    fn string(&mut self) -> Result<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err((open, "this string is never closed".into()));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => self.escape(&mut out)?,
                c if (c as u32) < 0x20 => {
                    return Err((
                        self.pos,
                        format!(
                            "control character U+{:04X} in a string: JSON requires it escaped",
                            c as u32
                        ),
                    ));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.pos;
        let c = self.bytes.get(at + 1).copied();
        self.pos += 2;
        let decoded = match c {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape(at)?,
            _ => {
                let shown = self
                    .text
                    .get(at..)
                    .and_then(|r| r.chars().take(2).last())
                    .map_or("end of file".into(), |c| format!("`\\{c}`"));
                return Err((
                    at,
                    format!("{shown} is not a JSON escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)"),
                ));
            }
        };
        out.push(decoded);
        Ok(())
    }

    /// The character of a `\uXXXX` escape (the `\u` read), pairing surrogates as Go does.
    fn unicode_escape(&mut self, at: usize) -> Result<char> {
        let high = self
            .hex4()
            .ok_or_else(|| (at, "`\\u` must be followed by four hex digits".to_string()))?;
        if !(0xD800..0xE000).contains(&high) {
            return Ok(char::from_u32(high).unwrap_or('\u{fffd}'));
        }
        let save = self.pos;
        if high < 0xDC00 && self.text[self.pos..].starts_with("\\u") {
            self.pos += 2;
            if let Some(low @ 0xDC00..=0xDFFF) = self.hex4() {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
        }
        self.pos = save;
        Ok('\u{fffd}')
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn position(&self, offset: usize) -> String {
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{line}:{col}")
    }
}

fn duplicate(root: bool, key: &str, first: String) -> String {
    let key = key.escape_debug();
    if root {
        format!("variable `{key}` is set twice in this file (first at {first}); Terraform reports an error and uses the first value; pins refuses the file")
    } else {
        format!("key `{key}` appears twice in this object (first at {first}, compared after Unicode NFC normalisation); Terraform refuses duplicate keys")
    }
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int_start = i;
    let int = digits(&mut i);
    if int == 0 || (int > 1 && b.get(int_start) == Some(&b'0')) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}
