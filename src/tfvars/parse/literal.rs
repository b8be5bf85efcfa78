//! Fast paths for the values real var-files are made of: a quoted string without escapes or
//! templates, a decimal integer, `true`/`false`/`null` or a bare name, with nothing after it that
//! could continue an expression; and lists and maps whose items are all such constants, built as
//! one literal value instead of a syntax tree for the evaluator to fold.
//!
//! They only read faster: each gives exactly what the general path (every operator level, the
//! template reader, the evaluator) gives, spans and forms included. `selfcheck` compares the two on
//! every input the tests and the fuzzer try (`TfVars::parse_general`).
#![allow(clippy::string_slice)]

use super::Parser;
use crate::tfvars::expr::{Expr, Key};
use crate::tfvars::num::Num;
use crate::tfvars::{nfc_shared, nfc_str, Entry, Form, Node, Span, Value};

impl Parser<'_> {
    /// A plain literal at the current position that is a whole expression, or `None` (and the
    /// position unchanged) when the general path must read it.
    pub(super) fn plain_literal(&mut self) -> Option<Expr> {
        let start = self.pos;
        let literal = match self.peek()? {
            b'"' => self.plain_string(start),
            b'0'..=b'9' => self.plain_integer(start),
            _ => self.plain_word(start),
        };
        if literal.is_none() || !self.at_expression_end() {
            self.pos = start;
            return None;
        }
        literal
    }

    fn plain_string(&mut self, start: usize) -> Option<Expr> {
        let rest = self.bytes.get(start + 1..)?;
        let len = rest
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | b'$' | b'%' | b'\n' | b'\r'))?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let text = &self.src[start + 1..start + 1 + len];
        self.pos = start + len + 2;
        let form = if self.in_heredoc { Form::Other } else { Form::Quoted };
        let value = Value::String(nfc_str(text));
        Some(Expr::Literal(Node::new(value, self.span(start), form)))
    }

    fn plain_integer(&mut self, start: usize) -> Option<Expr> {
        self.skip_digits();
        let number = Num::parse(&self.src[start..self.pos])?;
        Some(self.literal(Value::Number(std::rc::Rc::new(number)), start))
    }

    fn plain_word(&mut self, start: usize) -> Option<Expr> {
        Some(match self.ident()? {
            "true" => self.literal(Value::Bool(true), start),
            "false" => self.literal(Value::Bool(false), start),
            "null" => self.literal(Value::Null, start),
            name => Expr::Variable(name.into(), self.span(start)),
        })
    }

    /// Whether what follows (after blanks) cannot continue the expression: a closing bracket, a
    /// separator, `=`/`:` after a key, or the end of the line where newlines end values.
    fn at_expression_end(&self) -> bool {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let blanks = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let rest = rest.get(blanks..).unwrap_or_default();
        match rest {
            [] | [b',' | b'}' | b']' | b')', ..] => true,
            [b'=', next, ..] => *next != b'=',
            [b':', next, ..] => *next != b':',
            [b'=' | b':'] => true,
            [b'\n', ..] | [b'\r', b'\n', ..] | [b'#', ..] | [b'/', b'/', ..] => !self.newlines,
            _ => false,
        }
    }
}

/// A list whose items are all literals, as one literal: the value the evaluator would build.
pub(super) fn fold_tuple(items: Vec<Expr>, span: Span) -> Expr {
    if !items.iter().all(|item| matches!(item, Expr::Literal(_))) {
        return Expr::Tuple(items, span);
    }
    let nodes = items.into_iter().filter_map(|item| match item {
        Expr::Literal(node) => Some(node),
        _ => None,
    });
    Expr::Literal(Node::new(Value::Tuple(nodes.collect()), span, Form::Other))
}

/// A map's entries while they are read: as the entries of a literal value while every key is a
/// name or a quoted string and every value a literal (so that a 100k-entry map never exists as
/// a syntax tree as well), else as syntax for the evaluator.
pub(super) enum MapItems {
    Literal(Vec<Entry>),
    General(Vec<(Key, Expr)>),
}

impl MapItems {
    /// Empty; `fast` false keeps every map as syntax (the general path).
    pub(super) fn new(fast: bool) -> Self {
        match fast {
            true => MapItems::Literal(Vec::new()),
            false => MapItems::General(Vec::new()),
        }
    }

    pub(super) fn push(&mut self, (key, value): (Key, Expr)) {
        if let MapItems::Literal(entries) = self {
            match literal_entry(key, value) {
                Ok(entry) => return entries.push(entry),
                Err(item) => {
                    let mut items: Vec<(Key, Expr)> = std::mem::take(entries).into_iter().map(general_item).collect();
                    items.push(item);
                    *self = MapItems::General(items);
                    return;
                }
            }
        }
        if let MapItems::General(items) = self {
            items.push((key, value));
        }
    }

    /// The map: a literal value, or syntax.
    pub(super) fn finish(self, span: Span) -> Expr {
        match self {
            MapItems::Literal(entries) => Expr::Literal(Node::new(Value::Object(entries.into()), span, Form::Other)),
            MapItems::General(items) => Expr::Object(items, span),
        }
    }
}

/// The entry the evaluator would make of `key = value` when the key is a name or a string
/// literal (other keys are converted) and the value a literal; else the item back.
fn literal_entry(key: Key, value: Expr) -> Result<Entry, (Key, Expr)> {
    match (key, value) {
        (Key::Name(name, key_span), Expr::Literal(value)) => Ok(Entry {
            key: nfc_shared(&name),
            key_span,
            quoted: false,
            value,
        }),
        (
            Key::Expr(Expr::Literal(Node {
                value: Value::String(text),
                span,
                form,
            })),
            Expr::Literal(value),
        ) => Ok(Entry {
            key: text,
            key_span: span,
            quoted: form == Form::Quoted,
            value,
        }),
        item => Err(item),
    }
}

/// Syntax that evaluates to `entry` again: a quoted key as a quoted string, any other as a name
/// (its text is already normalised, so the evaluator keeps it as it is).
fn general_item(entry: Entry) -> (Key, Expr) {
    let key = match entry.quoted {
        true => Key::Expr(Expr::Literal(Node::new(
            Value::String(entry.key),
            entry.key_span,
            Form::Quoted,
        ))),
        false => Key::Name(entry.key, entry.key_span),
    };
    (key, Expr::Literal(entry.value))
}

#[cfg(test)]
mod tests {
    use crate::tfvars::num::Num;
    use crate::tfvars::selfcheck::same_as_general;

    #[test]
    fn fast_paths_read_what_the_general_path_reads() {
        let cases = [
            "a = \"1.2.3\"\nb = 42\nc = true\nd = null\ne = x\n",
            "m = {\n  a = \"1\"\n  \"b\" = 2, c: [1, \"x\", false]\n  d = { e = null }\n}\n",
            "a = 1 # one\nb = \"x\" // two\nc = [\n  1 # c\n  , 2\n]\n",
            "a = \"x\" == \"x\"\nb = 1 + 2\nc = 9007199254740993\nd = [1\n+ 2]\ne = { (\"k\") = 1, 2 = 3 }\n",
            "a = \"caf\u{e9}\"\nb = { \"e\u{301}\" = 1, \"\u{e9}\" = 2 }\nc = <<EOT\nx\nEOT\n",
            "a = \"${1}\"\nb = \"$x%y\"\nc = 1.5\nd = 1e3\ne = true ? \"a\" : 1\nf = x::y\ng = f(1)\n",
            "a = [for v in [1, 2] : v]\nb = {for k, v in {a = 1} : k => v}\nc = [1, 2][0]\nd = 0.1\n",
            "a = <<EOT\n${ {k = \"v\"} } ${\"x\"}\nEOT\nb = <<-EOT\n  ${[1, \"2\"]}\n  EOT\n",
            "m = { a = 1, \"b\" = 2, c = 1 + 1, \"d\" = \"x\" }\nn = { \"k\" = 1, (\"j\") = 2, true = 3 }\n",
            "m = { \"e\u{301}\" = 1, x = var.y }\nn = { <<EOT\nk\nEOT\n = 1, b = [] }\n",
            "a = 1\na = 2\n",
            "a = { b = 1 } c\n",
            "a = -1\nb = !true\nc = \"x\"\r\nd = 5\r\n",
        ];
        for case in cases {
            if let Err(e) = same_as_general(case.as_bytes()) {
                panic!("{case:?}: {e}");
            }
        }
    }

    #[test]
    fn debug_output_shows_a_numbers_precision() {
        // The fast-path check compares `Debug` output, so it must tell 64 from 512 bits.
        let parsed = Num::parse("1").map(|n| format!("{n:?}"));
        assert_ne!(parsed, Some(format!("{:?}", Num::int(1))));
    }
}
