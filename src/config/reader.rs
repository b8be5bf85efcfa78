//! Reading `pins.hcl` with positions: hcl-edit parses it, its literal values become a small tree
//! with byte spans, and serde fills the configuration from that tree. So a wrong type, an unknown
//! field, an expression where a literal belongs and a repeated block are each reported at their
//! `file:line:col`, in words rather than serde's internals.

use std::fmt;
use std::ops::Range;

use hcl::edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl::edit::structure::{Block, Body, Structure};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::tfvars::{Position, SourceError};

/// A literal value of `pins.hcl` with its place.
#[derive(Debug, Clone)]
struct Node {
    value: Value,
    span: Range<usize>,
}

#[derive(Debug, Clone)]
enum Value {
    Null,
    Bool(bool),
    Number(hcl::Number),
    String(String),
    Array(Vec<Node>),
    /// Attributes, blocks and object entries: `(key, key span, value)` in file order.
    Object(Vec<(String, Range<usize>, Node)>),
}

/// A problem with a byte range, placed in the file by `from_str_checked`.
#[derive(Debug)]
pub(super) struct Error {
    message: String,
    span: Option<Range<usize>>,
    /// Where the same thing was first given, for "appears twice".
    first: Option<usize>,
    named: bool,
    /// Start the message with the offending source text.
    quote: bool,
}

impl Error {
    fn at(message: impl Into<String>, span: Range<usize>) -> Error {
        Error {
            message: message.into(),
            span: Some(span),
            first: None,
            named: false,
            quote: false,
        }
    }

    /// Names the field whose value is wrong, unless an inner field was named already.
    fn named(mut self, key: &str) -> Error {
        if !self.named {
            self.message = format!("`{key}`: {}", self.message);
            self.named = true;
        }
        self
    }

    /// Gives the error `span` unless an inner value already placed it.
    fn within(mut self, span: &Range<usize>) -> Error {
        self.span.get_or_insert_with(|| span.clone());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            span: None,
            first: None,
            named: false,
            quote: false,
        }
    }
}

/// A problem found in a value after it was read, placed at the entry `path` (keys from the root,
/// block labels included: `["promotion", "prod"]`).
#[derive(Debug)]
pub(super) struct Misplaced {
    pub path: Vec<String>,
    pub message: String,
}

/// Parses `text` (the file `file`), deserializes a `T` from it and runs `check` on it, placing
/// what `check` finds at the entry it names.
pub(super) fn from_str_checked<T, F>(file: &str, text: &str, check: F) -> Result<T, SourceError>
where
    T: DeserializeOwned,
    F: FnOnce(&T) -> Result<(), Misplaced>,
{
    let body = hcl::edit::parser::parse_body(text).map_err(|e| {
        let at = e.location();
        source_error(file, text, at.offset(), e.message())
    })?;
    let tree = body_node(&body, 0..text.len()).map_err(|e| placed(file, text, e))?;
    let value = T::deserialize(De(&tree)).map_err(|e| placed(file, text, e))?;
    match check(&value) {
        Ok(()) => Ok(value),
        Err(m) => Err(placed(file, text, Error::at(m.message, entry_span(&tree, &m.path)))),
    }
}

/// Where the entry at `path` (or the deepest part of it that exists) starts in `text`; `None`
/// when `text` does not parse.
pub(super) fn entry_position(text: &str, path: &[String]) -> Option<Position> {
    let body = hcl::edit::parser::parse_body(text).ok()?;
    let tree = body_node(&body, 0..text.len()).ok()?;
    Some(source_error("", text, entry_span(&tree, path).start, "").position)
}

/// The span of the key at `path`, or of the deepest entry of it that exists.
fn entry_span(node: &Node, path: &[String]) -> Range<usize> {
    let mut span = node.span.clone();
    let mut node = node;
    for key in path {
        let Value::Object(entries) = &node.value else { break };
        let Some((_, key_span, inner)) = entries.iter().find(|(k, _, _)| k == key) else {
            break;
        };
        span = key_span.clone();
        node = inner;
    }
    span
}

/// Where the value of the top-level attribute `key` starts in `text`, if it is set there.
pub(super) fn value_position(text: &str, key: &str) -> Option<Position> {
    let body = hcl::edit::parser::parse_body(text).ok()?;
    let attr = body.get_attribute(key)?;
    Some(source_error("", text, span_of(&attr.value).start, "").position)
}

fn placed(file: &str, text: &str, e: Error) -> SourceError {
    let mut message = e.message;
    if let (true, Some(span)) = (e.quote, &e.span) {
        let source: String = text.get(span.clone()).unwrap_or_default().chars().take(60).collect();
        message = format!("`{}` {message}", source.escape_debug());
    }
    if let Some(first) = e.first {
        let line = text.get(..first).unwrap_or_default().matches('\n').count() + 1;
        message = format!("{message} (first at line {line})");
    }
    source_error(file, text, e.span.map_or(0, |s| s.start), &message)
}

pub(super) fn source_error(file: &str, text: &str, offset: usize, message: &str) -> SourceError {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_text = text.get(line_start..).unwrap_or_default();
    let line_text = line_text.lines().next().unwrap_or_default();
    SourceError {
        file: file.to_string(),
        position: Position {
            line: before.matches('\n').count() as u32 + 1,
            col: before.get(line_start..).unwrap_or_default().chars().count() as u32 + 1,
        },
        message: message.to_string(),
        line_text: line_text.chars().filter(|c| !c.is_control() || *c == '\t').collect(),
    }
}

fn span_of(item: &impl hcl::edit::Span) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

fn body_node(body: &Body, span: Range<usize>) -> Result<Node, Error> {
    let mut entries: Vec<(String, Range<usize>, Node)> = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key_span = span_of(&attr.key);
                if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| k == attr.key.as_str()) {
                    return Err(twice(&format!("`{}`", attr.key.as_str()), first, key_span));
                }
                entries.push((attr.key.to_string(), key_span, expression(&attr.value)?));
            }
            Structure::Block(block) => insert_block(&mut entries, block)?,
        }
    }
    Ok(Node {
        value: Value::Object(entries),
        span,
    })
}

/// Puts `ident "a" "b" { … }` at `ident → a → b`, refusing a block that repeats another.
fn insert_block(entries: &mut Vec<(String, Range<usize>, Node)>, block: &Block) -> Result<(), Error> {
    let header = span_of(&block.ident);
    let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
    let name = std::iter::once(block.ident.to_string())
        .chain(labels.iter().map(|l| format!("\"{l}\"")))
        .collect::<Vec<_>>()
        .join(" ");
    let path: Vec<String> = std::iter::once(block.ident.to_string())
        .chain(labels.iter().map(|l| l.to_string()))
        .collect();
    let mut level = entries;
    for (depth, key) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        let found = level.iter().position(|(k, _, _)| k == key);
        match (found, last) {
            (Some(i), true) => {
                let first = level.get(i).map_or(0..0, |(_, s, _)| s.clone());
                return Err(twice(&format!("block `{name}`"), &first, header));
            }
            (Some(i), false) => {
                let Some((
                    _,
                    _,
                    Node {
                        value: Value::Object(inner),
                        ..
                    },
                )) = level.get_mut(i)
                else {
                    return Err(Error::at(
                        format!("`{key}` is set as an attribute and as a block; keep one"),
                        header,
                    ));
                };
                level = inner;
            }
            (None, true) => {
                level.push((key.clone(), header.clone(), body_node(&block.body, header.clone())?));
                return Ok(());
            }
            (None, false) => {
                let node = Node {
                    value: Value::Object(Vec::new()),
                    span: header.clone(),
                };
                level.push((key.clone(), header.clone(), node));
                let Some((
                    _,
                    _,
                    Node {
                        value: Value::Object(inner),
                        ..
                    },
                )) = level.last_mut()
                else {
                    return Ok(());
                };
                level = inner;
            }
        }
    }
    Ok(())
}

fn twice(what: &str, first: &Range<usize>, again: Range<usize>) -> Error {
    let mut error = Error::at(format!("{what} appears twice; merge the two into one"), again);
    error.first = Some(first.start);
    error
}

/// The literal value of an expression; anything computed is refused, since pins.hcl is read
/// without variables or functions.
fn expression(expr: &Expression) -> Result<Node, Error> {
    let span = span_of(expr);
    let value = match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => Value::Number(*n.value()),
        Expression::String(s) => Value::String(s.value().to_string()),
        Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            let text: String = de::Deserialize::deserialize(hcl::Expression::from(expr.clone()))
                .map_err(|e| Error::at(e.to_string(), span.clone()))?;
            Value::String(text)
        }
        Expression::Array(items) => Value::Array(items.iter().map(expression).collect::<Result<_, _>>()?),
        Expression::Object(object) => {
            let mut entries = Vec::new();
            for (key, value) in object.iter() {
                let key_text = match key {
                    ObjectKey::Ident(ident) => ident.to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(other) => return Err(not_literal(span_of(other))),
                };
                entries.push((key_text, span_of(key), expression(value.expr())?));
            }
            Value::Object(entries)
        }
        Expression::Parenthesis(inner) => return expression(inner.inner()),
        Expression::UnaryOp(op) if op.operator.value() == &UnaryOperator::Neg => match &op.expr {
            Expression::Number(n) => Value::Number(-*n.value()),
            _ => return Err(not_literal(span)),
        },
        _ => return Err(not_literal(span)),
    };
    Ok(Node { value, span })
}

fn not_literal(span: Range<usize>) -> Error {
    let mut error = Error::at(
        "is an expression; pins.hcl takes literal values only (a quoted string, number, true/false, or a list of them)",
        span,
    );
    error.quote = true;
    error
}

/// Deserializes from one node, placing any error at the innermost node.
struct De<'a>(&'a Node);

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        let result = match &node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => number(n, visitor),
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Object(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                value: None,
                key: "",
            }),
        };
        result.map_err(|e| e.within(&node.span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

fn number<'de, V: Visitor<'de>>(n: &hcl::Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

struct Seq<'a>(std::slice::Iter<'a, Node>);

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|node| seed.deserialize(De(node)).map_err(|e| e.within(&node.span)))
            .transpose()
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (String, Range<usize>, Node)>,
    value: Option<&'a Node>,
    key: &'a str,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, span, node)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(node);
        self.key = key;
        let key: de::value::StrDeserializer<'_, Error> = key.as_str().into_deserializer();
        // An unknown key names itself; no outer key should claim the error.
        seed.deserialize(key).map(Some).map_err(|e| Error {
            named: true,
            ..e.within(span)
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            // A value checked after it was read (a block whose fields disagree) is placed at it.
            Some(node) => seed
                .deserialize(De(node))
                .map_err(|e| e.within(&node.span).named(self.key)),
            None => Err(de::Error::custom("a value without a key")),
        }
    }
}
