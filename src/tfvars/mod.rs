//! A parsed `.tfvars` file: its bytes, its top-level attributes with every value's byte span, and
//! the values as Terraform evaluates them.

pub mod eval;
pub mod expr;
pub mod json;
pub mod num;
mod ops;
mod parse;
pub mod selfcheck;
pub mod splice;
pub mod trivia;
pub mod types;

use std::fmt;

use foldhash::{HashMap, HashMapExt};
use serde_json::Value as Json;

use crate::tfvars::num::Num;
use crate::tfvars::types::Type;

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
    if is_nfc(&text) {
        return text.into();
    }
    normalized(&text)
}

/// `nfc` of a shared string, which is shared again when it is already normalised.
pub(crate) fn nfc_shared(text: &Str) -> Str {
    if is_nfc(text) {
        return text.clone();
    }
    normalized(text)
}

/// `nfc` of borrowed text.
pub(crate) fn nfc_str(text: &str) -> Str {
    if is_nfc(text) {
        return text.into();
    }
    normalized(text)
}

fn is_nfc(text: &str) -> bool {
    use unicode_normalization::{is_nfc_quick, IsNormalized};
    text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes
}

fn normalized(text: &str) -> Str {
    use unicode_normalization::UnicodeNormalization;
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
    /// A JSON string: literal text with JSON's escapes.
    Json,
    Heredoc,
    Other,
}

/// A value as Terraform evaluates it.
#[derive(Debug, Clone)]
pub enum Value {
    /// A literal `null`, of no particular type.
    Null,
    Bool(bool),
    Number(std::rc::Rc<Num>),
    String(Str),
    Tuple(Box<[Node]>),
    /// An object; duplicate keys are kept in file order (Terraform keeps the last).
    Object(Box<[Entry]>),
    /// A list, from a conversion (`true ? [] : [1]` is a list of numbers), with its element type.
    List(Box<[Node]>, std::rc::Rc<Type>),
    /// A map, from a conversion, with its element type.
    Map(Box<[Entry]>, std::rc::Rc<Type>),
    /// A null converted to a type (`true ? null : "x"`).
    TypedNull(std::rc::Rc<Type>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        ops::same(self, other)
    }
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

    /// The entries of this node, if it is an object or a map.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Object(entries) | Value::Map(entries, _) => Some(entries),
            _ => None,
        }
    }

    /// Terraform's type of this value.
    pub fn ty(&self) -> Type {
        types::type_of(&self.value)
    }

    /// The value as Terraform renders it in JSON: objects keep the last of duplicate keys.
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null | Value::TypedNull(_) => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => number_json(n),
            Value::String(s) => Json::String(s.to_string()),
            Value::Tuple(items) | Value::List(items, _) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Object(entries) | Value::Map(entries, _) => {
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
            Value::Null | Value::TypedNull(_) => "null",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Tuple(_) | Value::List(..) => "a list",
            Value::Object(_) | Value::Map(..) => "a map",
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
    /// Where the first byte that is not UTF-8 was: such a file is read as Terraform reads it
    /// (each such byte is U+FFFD), but never edited, since its text is not its bytes.
    invalid_utf8: Option<usize>,
    /// Where, in the text, a U+FFFD stands for such a byte.
    invalid_bytes: Vec<usize>,
    /// The top-level object of a JSON var file.
    json: Option<json::Root>,
}

impl TfVars {
    /// Parses the bytes of the file named `file` (a path for messages), as Terraform would.
    pub fn parse(file: &str, bytes: Vec<u8>) -> Result<Self, SourceError> {
        Self::read(file, bytes, true)
    }

    /// `parse` without the fast paths for plain literals: `selfcheck` holds the two equal.
    pub fn parse_general(file: &str, bytes: Vec<u8>) -> Result<Self, SourceError> {
        Self::read(file, bytes, false)
    }

    fn read(file: &str, bytes: Vec<u8>, fast: bool) -> Result<Self, SourceError> {
        if bytes.len() > MAX_FILE_SIZE {
            return Err(too_large(file, bytes.len()));
        }
        let (text, invalid_utf8, invalid_bytes) = match String::from_utf8(bytes) {
            Ok(text) => (text, None, Vec::new()),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let (text, replaced) = replace_invalid_utf8(e.as_bytes());
                (text, Some(offset), replaced)
            }
        };
        let line_starts = line_starts(&text);
        let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let mut vars = TfVars {
            file: file.into(),
            text,
            attributes: Vec::new(),
            index: HashMap::new(),
            line_starts,
            invalid_utf8,
            invalid_bytes,
            json: None,
        };
        if json::is_json(file) {
            vars.read_json()?;
            return Ok(vars);
        }
        let (raw, comments) = parse::parse(&vars.text, start, fast).map_err(|e| vars.error_at(e.offset, e.message))?;
        vars.check_encoding(&comments)?;
        vars.check_duplicates(&raw)?;
        vars.index.reserve(raw.len());
        vars.attributes.reserve_exact(raw.len());
        for attribute in raw {
            let value = eval::evaluate(attribute.expr).map_err(|(offset, message)| vars.error_at(offset, message))?;
            if let Some(offset) = infinite(&value) {
                return Err(vars.error_at(
                    offset,
                    "this number is infinite (a division by zero); Terraform cannot store it in a variable",
                ));
            }
            vars.index.insert(attribute.name.clone(), vars.attributes.len());
            vars.attributes.push(Attribute {
                name: attribute.name,
                name_span: attribute.name_span,
                value,
            });
        }
        Ok(vars)
    }

    /// Reads the text as a JSON var file.
    fn read_json(&mut self) -> Result<(), SourceError> {
        let (attributes, root) = json::parse(&self.text).map_err(|(offset, message)| self.error_at(offset, message))?;
        self.index = attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.clone(), i))
            .collect();
        self.attributes = attributes;
        self.json = Some(root);
        Ok(())
    }

    /// The top-level object of a JSON var file; `None` for a `.tfvars` file.
    pub fn json_root(&self) -> Option<&json::Root> {
        self.json.as_ref()
    }

    /// Terraform accepts bytes that are not UTF-8 inside comments only.
    fn check_encoding(&self, comments: &[(usize, usize)]) -> Result<(), SourceError> {
        if self.invalid_utf8.is_none() {
            return Ok(());
        }
        let replaced = self
            .invalid_bytes
            .iter()
            .find(|&&at| !comments.iter().any(|&(s, e)| s <= at && at < e));
        match replaced {
            Some(&at) => Err(self.error_at(
                at,
                "invalid UTF-8: Terraform reads .tfvars files as UTF-8 and accepts other bytes only inside comments",
            )),
            None => Ok(()),
        }
    }

    fn check_duplicates(&self, raw: &[parse::RawAttribute]) -> Result<(), SourceError> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for attribute in raw {
            if let Some(&first) = seen.get(&*attribute.name) {
                let message = format!(
                    "`{}` is defined twice (first at line {}); Terraform rejects a variable set twice in one file",
                    attribute.name,
                    self.position(first).line
                );
                return Err(self.error_at(attribute.name_span.start(), message));
            }
            seen.insert(&attribute.name, attribute.name_span.start());
        }
        Ok(())
    }

    /// Refuses (with the position) to edit a file that holds bytes that are not UTF-8.
    pub fn editable(&self) -> Result<(), SourceError> {
        match self.invalid_utf8 {
            Some(offset) => Err(self.error_at(
                offset,
                "this file holds bytes that are not UTF-8; Terraform reads them as U+FFFD, but pins does not edit such a file (fix its encoding first)",
            )),
            None => Ok(()),
        }
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

/// Bytes that are not all UTF-8 as text: each byte that does not start a valid character becomes
/// U+FFFD (as Go decodes it); also the offsets of those replacements in the text.
fn replace_invalid_utf8(mut bytes: &[u8]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut replaced = Vec::new();
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return (out, replaced);
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                for _ in 0..e.error_len().unwrap_or(rest.len()) {
                    replaced.push(out.len());
                    out.push('\u{fffd}');
                }
                bytes = rest.get(e.error_len().unwrap_or(rest.len())..).unwrap_or_default();
            }
        }
    }
}

/// A number in JSON as Terraform's outputs show it (`terraform output -json`, plan and state):
/// integers that fit 64 bits as integers, anything else as its exact shortest decimal. So `-0`
/// is `0` here, as a plan gives it to resources, although the value keeps its sign where
/// Terraform's expressions see it (`"${-0}"` is `"-0"`, and so is `jsonencode(-0)`).
fn number_json(n: &Num) -> Json {
    if let Some(i) = n.as_i64() {
        return Json::from(i);
    }
    n.text().parse::<serde_json::Number>().map_or(Json::Null, Json::Number)
}

/// The offset of an infinite number inside `node`, which Terraform cannot serialize.
fn infinite(node: &Node) -> Option<usize> {
    match &node.value {
        Value::Number(n) if matches!(**n, Num::Infinite { .. }) => Some(node.span.start()),
        Value::Tuple(items) | Value::List(items, _) => items.iter().find_map(infinite),
        Value::Object(entries) | Value::Map(entries, _) => infinite_entry(entries),
        _ => None,
    }
}

/// The offset of the first infinite number among the values Terraform keeps of `entries`: only
/// the last of duplicate keys. Which entry is last is worked out once, and only when some value
/// is infinite at all (almost never), so that reading a map stays linear.
fn infinite_entry(entries: &[Entry]) -> Option<usize> {
    let mut last: Option<foldhash::HashMap<&Str, usize>> = None;
    entries.iter().enumerate().find_map(|(i, e)| {
        let at = infinite(&e.value)?;
        let last = last.get_or_insert_with(|| entries.iter().enumerate().map(|(j, e)| (&e.key, j)).collect());
        (last.get(&e.key) == Some(&i)).then_some(at)
    })
}

#[cfg(test)]
mod tests;
