//! Byte-exact edits of JSON var files: a string value is replaced by a JSON string literal, and
//! properties are added to or removed from an object together, so that commas stay right in
//! every layout (JSON allows neither a trailing nor a missing comma). New properties follow the
//! object's layout: one per line with the last property's indentation and `:` spacing, or inline
//! in a one-line object. Everything else keeps its bytes.
//!
//! Offsets come from the reader's spans, which start and end at ASCII bytes.
#![allow(clippy::string_slice)]

use crate::tfvars::json::{Member, Root};
use crate::tfvars::splice::{Edit, NewValue};
use crate::tfvars::trivia::{is_blank, line_start};
use crate::tfvars::{Node, Span, TfVars};

/// A JSON string literal holding exactly `value`: `"` and `\` escaped, control characters as
/// `\n`, `\t`, `\r` or `\uXXXX`, everything else as itself.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object as the splicer sees it: the span from `{` through `}` and its properties.
pub struct Object {
    pub span: Span,
    pub members: Vec<Member>,
}

impl Object {
    /// The root object of a JSON var file.
    pub fn root(root: &Root) -> Object {
        Object {
            span: root.span,
            members: root.members.clone(),
        }
    }

    /// An object value of a JSON var file (a map of pins).
    pub fn of(node: &Node) -> Object {
        let members = node
            .entries()
            .unwrap_or_default()
            .iter()
            .map(|e| Member {
                key: e.key_span,
                value: e.value.span,
            })
            .collect();
        Object {
            span: node.span,
            members,
        }
    }
}

/// Removes the properties at `remove` and appends `new` ones, as edits that apply together.
/// A removed property takes the comma after it; removed properties at the end take the comma
/// before the first of them instead, so the last kept property ends the object.
pub fn edit(vars: &TfVars, object: &Object, remove: &[usize], new: &[(String, NewValue)]) -> Vec<Edit> {
    let text = vars.text();
    let n = object.members.len();
    let kept = (0..n).rev().find(|i| !remove.contains(i));
    let Some(last) = kept.and_then(|i| object.members.get(i)) else {
        return vec![fill_empty(text, object, new)];
    };
    let tail = (0..n).rev().take_while(|i| remove.contains(i)).last().unwrap_or(n);
    let mut edits: Vec<Edit> = Vec::new();
    for i in remove.iter().copied().filter(|&i| i < tail) {
        if let (Some(this), Some(next)) = (object.members.get(i), object.members.get(i + 1)) {
            edits.push(Edit::delete(this.key.start(), next.key.start()));
        }
    }
    if let Some(end) = object.members.last().filter(|_| tail < n) {
        edits.push(Edit::delete(last.value.end(), end.value.end()));
    }
    if !new.is_empty() {
        let style = Style::of(text, object, last);
        let body: String = new
            .iter()
            .map(|(k, v)| format!(",{}{}", style.gap, style.property(k, v)))
            .collect();
        edits.push(Edit::insert(last.value.end(), body));
    }
    edits
}

/// The edit that makes an object hold exactly `new` (it has no property left).
fn fill_empty(text: &str, object: &Object, new: &[(String, NewValue)]) -> Edit {
    let (open, close) = (object.span.start() + 1, object.span.end() - 1);
    let inner = &text[open..close];
    let replace = |with: String| Edit {
        span: Span::new(open, close),
        text: with,
    };
    if new.is_empty() {
        return replace(String::new());
    }
    let style = Style::empty(text, object);
    let body: Vec<String> = new.iter().map(|(k, v)| style.property(k, v)).collect();
    if style.multiline {
        let close_indent = closing_indent(text, object);
        let eol = style.gap.trim_end_matches([' ', '\t']);
        return replace(format!(
            "{}{}{eol}{close_indent}",
            style.gap,
            body.join(&format!(",{}", style.gap))
        ));
    }
    let pad = if !inner.is_empty() && is_blank(inner) { " " } else { "" };
    replace(format!("{pad}{}{pad}", body.join(", ")))
}

/// How new properties of one object are written.
struct Style {
    multiline: bool,
    /// What follows a comma before the next key: a line break and indentation, or a blank.
    gap: String,
    /// What lies between a key and its value (`: `).
    colon: String,
    /// One level of indentation, for the properties of a new map.
    unit: String,
    eol: &'static str,
}

impl Style {
    /// The layout of an object whose last kept property is `last`.
    fn of(text: &str, object: &Object, last: &Member) -> Style {
        let eol = eol(text);
        let first = object.members.first().unwrap_or(last);
        let multiline = text[object.span.start()..first.key.start()].contains('\n');
        let start = line_start(text, last.key.start());
        let gap = if multiline && is_blank(&text[start..last.key.start()]) {
            format!("{eol}{}", &text[start..last.key.start()])
        } else if multiline {
            format!("{eol}{}{}", closing_indent(text, object), unit(text))
        } else {
            inline_gap(text, object)
        };
        Style {
            multiline,
            gap,
            colon: text[last.key.end()..last.value.start()].to_string(),
            unit: unit(text),
            eol,
        }
    }

    /// The layout of an object with no properties: multi-line when its braces are on two lines.
    fn empty(text: &str, object: &Object) -> Style {
        let eol = eol(text);
        let multiline = text[object.span.start()..object.span.end()].contains('\n');
        let unit = unit(text);
        Style {
            multiline,
            gap: if multiline {
                format!("{eol}{}{unit}", closing_indent(text, object))
            } else {
                " ".into()
            },
            colon: ": ".into(),
            unit,
            eol,
        }
    }

    fn property(&self, key: &str, value: &NewValue) -> String {
        let value = match value {
            NewValue::Version(v) => quote(v),
            NewValue::Map(entries) => self.map(entries),
        };
        format!("{}{}{value}", quote(key), self.colon)
    }

    /// A new map: one entry per line one level deeper in a multi-line object, else inline.
    fn map(&self, entries: &[(String, String)]) -> String {
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}{}{}", quote(k), self.colon, quote(v)))
            .collect();
        if !self.multiline {
            return format!("{{{}}}", body.join(", "));
        }
        let outer = self.gap.trim_start_matches(['\r', '\n']);
        let inner = format!("{}{outer}{}", self.eol, self.unit);
        format!("{{{inner}{}{}{outer}}}", body.join(&format!(",{inner}")), self.eol)
    }
}

/// The blanks before the object's `}` when it starts its line, else none.
fn closing_indent(text: &str, object: &Object) -> String {
    let close = object.span.end() - 1;
    let start = line_start(text, close);
    match start > object.span.start() && is_blank(&text[start..close]) {
        true => text[start..close].to_string(),
        false => String::new(),
    }
}

/// What separates properties of a one-line object: the blanks after its first comma.
fn inline_gap(text: &str, object: &Object) -> String {
    match (object.members.first(), object.members.get(1)) {
        (Some(a), Some(b)) => {
            let between = &text[a.value.end()..b.key.start()];
            between
                .split_once(',')
                .map_or(" ".into(), |(_, after)| after.to_string())
        }
        _ => " ".into(),
    }
}

/// The file's indentation step: the indentation of the first line that has any, else two spaces.
fn unit(text: &str) -> String {
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .find(|indent| !indent.is_empty())
        .unwrap_or("  ")
        .to_string()
}

fn eol(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}
