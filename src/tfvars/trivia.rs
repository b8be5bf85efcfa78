//! What lies between the tokens of a map: blanks, line breaks, commas and comments, read as the
//! parser reads them, so that an edit never lands inside a comment or splits a separator.
//!
//! Offsets come from the parser's spans (after ASCII delimiters) and from ASCII scanning, so every
//! slice is on a char boundary.
#![allow(clippy::string_slice)]

use crate::tfvars::{Entry, Node, Span};

/// One piece of the text between two tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trivia {
    Blank,
    Newline,
    Comma,
    LineComment,
    BlockComment,
}

/// The trivia from `at` up to the next token, each piece with its span.
pub fn scan(text: &str, mut at: usize) -> Vec<(Trivia, Span)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    loop {
        let rest = &text[at..];
        let (kind, len) = match bytes.get(at) {
            Some(b' ' | b'\t') => (Trivia::Blank, 1),
            Some(b'\n') => (Trivia::Newline, 1),
            Some(b'\r') if rest.starts_with("\r\n") => (Trivia::Newline, 2),
            Some(b',') => (Trivia::Comma, 1),
            Some(b'#') => (Trivia::LineComment, line_comment_len(rest)),
            Some(b'/') if rest.starts_with("//") => (Trivia::LineComment, line_comment_len(rest)),
            Some(b'/') if rest.starts_with("/*") => match rest.get(2..).and_then(|r| r.find("*/")) {
                Some(end) => (Trivia::BlockComment, end + 4),
                None => return out,
            },
            _ => return out,
        };
        out.push((kind, Span::new(at, at + len)));
        at += len;
    }
}

fn line_comment_len(rest: &str) -> usize {
    let end = rest.find('\n').unwrap_or(rest.len());
    if rest.get(..end).is_some_and(|l| l.ends_with('\r')) {
        end - 1
    } else {
        end
    }
}

/// How one entry of a map sits among its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The comma that follows the entry, if any.
    pub comma: Option<Span>,
    /// The first line break after the entry (outside comments), if one comes before the next
    /// entry or the closing `}`.
    pub newline: Option<Span>,
    /// A block comment lies between the value and that line break (or the next token).
    pub block_comment: bool,
    /// Only blanks stand before the key on its line, and the map's `{` is on an earlier line.
    pub starts_line: bool,
    /// Where the trivia after the entry ends: the next key, or the closing `}`.
    pub next: usize,
}

/// The slot of every entry of `object`.
pub fn slots(text: &str, object: &Node) -> Vec<Slot> {
    let entries = object.entries().unwrap_or_default();
    entries.iter().map(|e| slot(text, object, e)).collect()
}

fn slot(text: &str, object: &Node, entry: &Entry) -> Slot {
    let pieces = scan(text, entry.value.span.end());
    let newline_at = pieces.iter().position(|(k, _)| *k == Trivia::Newline);
    let before_newline = pieces.get(..newline_at.unwrap_or(pieces.len())).unwrap_or_default();
    let start = line_start(text, entry.key_span.start());
    Slot {
        comma: pieces.iter().find(|(k, _)| *k == Trivia::Comma).map(|(_, s)| *s),
        newline: newline_at.and_then(|i| pieces.get(i)).map(|(_, s)| *s),
        block_comment: before_newline.iter().any(|(k, _)| *k == Trivia::BlockComment),
        starts_line: start > object.span.start() && is_blank(&text[start..entry.key_span.start()]),
        next: pieces.last().map_or(entry.value.span.end(), |(_, s)| s.end()),
    }
}

/// Whether `s` holds only spaces and tabs.
pub fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b == b' ' || b == b'\t')
}

/// The offset where the line holding `offset` starts.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}
