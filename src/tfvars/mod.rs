//! A parsed `.tfvars` file: its bytes, its top-level attributes with every value's byte span, and
//! the values as Terraform evaluates them.

mod ops;
mod parse;
pub mod selfcheck;
pub mod splice;
pub mod trivia;

use std::collections::HashMap;
use std::fmt;

use serde_json::Value as Json;

pub use parse::MAX_DEPTH;

/// The largest file pins reads (256 MiB): far beyond any real var-file, and it keeps every
/// offset within `u32`.
pub const MAX_FILE_SIZE: usize = 256 << 20;

const BOM: &str = "\u{feff}";

/// A shared string: keys, names and string values are shared with the pins that point at them
/// rather than copied (a 100k-pin file would otherwise hold every key and version twice).
pub type Str = std::rc::Rc<str>;

/// A string literal or object key as Terraform holds it: NFC-normalised (Terraform's string type
/// normalises every string it builds, map keys included), so keys that differ only in
/// normalisation are one key, as they are to Terraform.
pub fn nfc(text: String) -> Str {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return text.into();
    }
    text.nfc().collect::<String>().into()
}

/// A half-open byte range of the source text, stored in 32 bits each (files are limited to
/// `MAX_FILE_SIZE`), since every key and value of a 100k-pin file carries spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// A span from `start` up to, not including, `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The first byte.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// One past the last byte.
    pub fn end(self) -> usize {
        self.end as usize
    }
}

/// How a value was written, which decides how an edit may replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Quoted,
    Heredoc,
    Other,
}

/// A literal value as written in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's source text, with a leading `-` when negative.
    Number(Box<str>),
    String(Str),
    Tuple(Box<[Node]>),
    Object(Box<[Entry]>),
}

/// A value with its place in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub form: Form,
}

impl Node {
    pub(crate) fn new(value: Value, span: Span, form: Form) -> Self {
        Node { value, span, form }
    }

    /// The string this node holds, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The entries of this node, if it is an object.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value as Terraform renders it in JSON: objects keep the last of duplicate keys.
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => number_json(n),
            Value::String(s) => Json::String(s.to_string()),
            Value::Tuple(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Object(entries) => {
                let mut map = serde_json::Map::new();
                for entry in entries {
                    map.insert(entry.key.to_string(), entry.value.to_json());
                }
                Json::Object(map)
            }
        }
    }

    /// A short name for the kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Tuple(_) => "a list",
            Value::Object(_) => "a map",
        }
    }
}

/// One `key = value` entry of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Str,
    pub key_span: Span,
    pub quoted: bool,
    pub value: Node,
}

/// One top-level `name = value` attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: Str,
    pub name_span: Span,
    pub value: Node,
}

/// A line and column, both counted from 1; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A problem at a place in a file, shown as `file:line:col: message` with the line quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: String,
    pub position: Position,
    pub message: String,
    pub line_text: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.position, self.message)?;
        if !self.line_text.is_empty() {
            let caret = " ".repeat(self.position.col.saturating_sub(1) as usize);
            write!(f, "\n  | {}\n  | {caret}^", self.line_text)?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// A parsed `.tfvars` file.
#[derive(Debug, Clone)]
pub struct TfVars {
    file: Str,
    text: String,
    attributes: Vec<Attribute>,
    index: HashMap<Str, usize>,
    line_starts: Vec<u32>,
}

impl TfVars {
    /// Parses the bytes of the file named `file` (a path for messages), as Terraform would.
    pub fn parse(file: &str, bytes: Vec<u8>) -> Result<Self, SourceError> {
        if bytes.len() > MAX_FILE_SIZE {
            return Err(too_large(file, bytes.len()));
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return Err(invalid_utf8(file, e)),
        };
        let line_starts = line_starts(&text);
        let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let mut vars = TfVars {
            file: file.into(),
            text,
            attributes: Vec::new(),
            index: HashMap::new(),
            line_starts,
        };
        let attributes = parse::parse(&vars.text, start).map_err(|e| vars.error_at(e.offset, e.message))?;
        for (i, attribute) in attributes.iter().enumerate() {
            if let Some(&first) = vars.index.get(&attribute.name) {
                let first_pos = vars.position(attributes.get(first).map_or(0, |a| a.name_span.start()));
                let message = format!(
                    "`{}` is defined twice (first at line {}); Terraform rejects a variable set twice in one file",
                    attribute.name, first_pos.line
                );
                return Err(vars.error_at(attribute.name_span.start(), message));
            }
            vars.index.insert(attribute.name.clone(), i);
        }
        vars.attributes = attributes;
        Ok(vars)
    }

    /// The path this file was read from, shared.
    pub fn file_str(&self) -> Str {
        self.file.clone()
    }

    /// The path this file was read from, as shown in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The file's full text, byte-order mark included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The attribute called `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.index.get(name).and_then(|&i| self.attributes.get(i))
    }

    /// The attributes in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.attributes.iter()
    }

    /// The line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let line = self.line_starts.partition_point(|&s| s as usize <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0) as usize;
        let end = offset.min(self.text.len());
        let col = self.text.get(start..end).map_or(end - start, |s| s.chars().count()) + 1;
        Position {
            line: line as u32,
            col: col as u32,
        }
    }

    /// An error at a byte offset of this file.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> SourceError {
        let position = self.position(offset);
        let start = self.line_starts.get(position.line as usize - 1).copied().unwrap_or(0) as usize;
        let line = self.text.get(start..).unwrap_or_default();
        let line = line.find('\n').map_or(line, |i| line.get(..i).unwrap_or_default());
        let line_text = line.trim_end_matches('\r').replace(BOM, "");
        SourceError {
            file: self.file.to_string(),
            position,
            message: message.into(),
            line_text: printable(&line_text),
        }
    }
}

/// Line start offsets; `u32` is enough because larger files are refused (`MAX_FILE_SIZE`).
fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i as u32 + 1),
    );
    starts
}

fn printable(line: &str) -> String {
    const MAX: usize = 200;
    let shown: String = line
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect();
    if line.chars().count() > MAX {
        format!("{shown}…")
    } else {
        shown
    }
}

fn too_large(file: &str, len: usize) -> SourceError {
    SourceError {
        file: file.to_string(),
        position: Position { line: 1, col: 1 },
        message: format!("is {len} bytes; pins reads .tfvars files of at most {MAX_FILE_SIZE} bytes"),
        line_text: String::new(),
    }
}

fn invalid_utf8(file: &str, e: std::string::FromUtf8Error) -> SourceError {
    let offset = e.utf8_error().valid_up_to();
    let bytes = e.as_bytes();
    let before = bytes.get(..offset).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
        .chars()
        .count()
        + 1;
    SourceError {
        file: file.to_string(),
        position: Position {
            line: line as u32,
            col: col as u32,
        },
        message: format!(
            "invalid UTF-8 (byte 0x{:02x}); Terraform reads .tfvars files as UTF-8",
            bytes.get(offset).copied().unwrap_or(0)
        ),
        line_text: String::new(),
    }
}

/// The canonical text of a number, as Terraform shows it as a map key or string.
pub fn number_text(n: &str) -> String {
    match number_json(n) {
        Json::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn number_json(n: &str) -> Json {
    let decimal =
        canonical_decimal(n).or_else(|| n.parse::<f64>().ok().and_then(|f| canonical_decimal(&format!("{f:?}"))));
    decimal
        .and_then(|d| serde_json::from_str::<serde_json::Number>(&d).ok())
        .map_or(Json::Null, Json::Number)
}

/// Exponents beyond this are not expanded into digits (no real var-file has them).
const MAX_EXPONENT: i64 = 1000;

/// The exact decimal value of a number literal as Terraform prints it: no exponent, no leading or
/// trailing zeros (`1.50e3` → `1500`, `1e-3` → `0.001`, `-0` → `0`).
pub fn canonical_decimal(n: &str) -> Option<String> {
    let (negative, rest) = match n.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, n),
    };
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok().filter(|e| e.abs() <= MAX_EXPONENT)?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = format!("{int}{frac}");
    let point = int.len() as i64 + exponent;
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let digits = digits.trim_start_matches('0');
    let point = point - leading as i64;
    if digits.is_empty() {
        return Some("0".into());
    }
    let len = digits.len() as i64;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= len {
        format!("{digits}{}", "0".repeat((point - len) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    Some(if negative && text != "0" {
        format!("-{text}")
    } else {
        text
    })
}

#[cfg(test)]
mod tests;
