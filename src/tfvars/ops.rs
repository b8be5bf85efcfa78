//! Operators over values, as HCL applies them in a `.tfvars` file: operands are converted to the
//! operator's type first (`"2" * 3` is 6, `"true" && true` is true), arithmetic is cty's 512-bit
//! arithmetic, and `==` compares values and types.

use std::rc::Rc;

use crate::tfvars::num::Num;
use crate::tfvars::types::{convert, Type};
use crate::tfvars::{Node, Value};

/// Binary operators from the loosest to the tightest binding, as in HCL.
pub(super) const LEVELS: [&[&str]; 6] = [
    &["||"],
    &["&&"],
    &["==", "!="],
    &[">=", "<=", ">", "<"],
    &["+", "-"],
    &["*", "/", "%"],
];

/// An operand: its value, or the error that evaluating it gave.
pub(super) type Operand = Result<Node, (usize, String)>;

/// Applies a binary operator. Errors carry the offset they belong to (`at` for the operation).
pub(super) fn apply(op: &str, at: usize, left: Operand, right: Operand) -> Result<Value, (usize, String)> {
    match op {
        "||" | "&&" => logic(op == "||", at, left, right, [None, None]),
        "==" | "!=" => Ok(Value::Bool(same(&left?.value, &right?.value) == (op == "=="))),
        _ => {
            let (x, y) = (
                operand(left, &Type::Number, at, "left")?,
                operand(right, &Type::Number, at, "right")?,
            );
            let (Value::Number(x), Value::Number(y)) = (x, y) else {
                return Err((
                    at,
                    "Unsuitable value for operand: a number is required, not null".into(),
                ));
            };
            arithmetic(op, &x, &y).map_err(|m| (at, m))
        }
    }
}

/// An operand converted to `ty`; a null is refused, as cty's operator functions refuse it.
fn operand(value: Operand, ty: &Type, at: usize, side: &str) -> Result<Value, (usize, String)> {
    let node = value?;
    let offset = node.span.start();
    if matches!(node.value, Value::Null | Value::TypedNull(_)) {
        return Err((at, format!("the {side} operand is null; an operator needs a value")));
    }
    convert(node, ty)
        .map(|n| n.value)
        .map_err(|m| (offset, format!("Unsuitable value for {side} operand: {m}")))
}

/// One side of `||`/`&&`: a bool or null, with the error it came with (a failed template is a
/// known string in HCL), or an unknown, which only a failed operand is in a var-file.
enum Side {
    Known(Option<bool>, Option<(usize, String)>),
    Unknown((usize, String)),
}

fn side(value: Operand, known: Option<Node>, at: usize, name: &str) -> Result<Side, (usize, String)> {
    let (node, error) = match (value, known) {
        (Ok(node), _) => (node, None),
        (Err(e), Some(node)) => (node, Some(e)),
        (Err(e), None) => return Ok(Side::Unknown(e)),
    };
    if matches!(node.value, Value::Null | Value::TypedNull(_)) {
        return Ok(Side::Known(None, error));
    }
    match operand(Ok(node), &Type::Bool, at, name) {
        Ok(Value::Bool(b)) => Ok(Side::Known(Some(b), error)),
        Ok(_) => Ok(Side::Known(None, error)),
        Err(conversion) => Err(error.unwrap_or(conversion)),
    }
}

/// `||` and `&&` as HCL short-circuits them: both sides must convert to bool; then a known side
/// that decides the result wins, left first, bringing its own error if it had one; an unknown
/// (failed) side facing a side that does not decide fails the operation. For `&&` a null side
/// decides (cty's `False()` of a null is true). `known` holds what a failed side still holds.
pub(super) fn logic(
    or: bool,
    at: usize,
    left: Operand,
    right: Operand,
    known: [Option<Node>; 2],
) -> Result<Value, (usize, String)> {
    let [known_left, known_right] = known;
    let (l, r) = (
        side(left, known_left, at, "left")?,
        side(right, known_right, at, "right")?,
    );
    let decides = |v: &Option<bool>| if or { *v == Some(true) } else { *v != Some(true) };
    match (l, r) {
        (Side::Known(v, e), _) | (_, Side::Known(v, e)) if decides(&v) => e.map_or(Ok(Value::Bool(or)), Err),
        (Side::Unknown(e), _) | (_, Side::Unknown(e)) => Err(e),
        (Side::Known(x, ex), Side::Known(y, ey)) => match (ex.or(ey), x, y) {
            (Some(e), _, _) => Err(e),
            (None, Some(x), Some(y)) => Ok(Value::Bool(if or { x || y } else { x && y })),
            _ => Err((
                at,
                format!("`{}` needs two bools, not null", if or { "||" } else { "&&" }),
            )),
        },
    }
}

/// `-x`: the operand converted to a number.
pub(super) fn negate(node: Node, at: usize) -> Result<Value, (usize, String)> {
    match operand(Ok(node), &Type::Number, at, "unary")? {
        Value::Number(n) => Ok(Value::Number(Rc::new(n.neg()))),
        _ => Err((at, "`-` needs a number".into())),
    }
}

/// `!x`: the operand converted to a bool.
pub(super) fn not(node: Node, at: usize) -> Result<Value, (usize, String)> {
    match operand(Ok(node), &Type::Bool, at, "unary")? {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        _ => Err((at, "`!` needs a bool".into())),
    }
}

fn arithmetic(op: &str, x: &Num, y: &Num) -> Result<Value, String> {
    let n = |r: Result<Num, String>| r.map(|n| Value::Number(Rc::new(n)));
    match op {
        "+" => n(x.add(y)),
        "-" => n(x.sub(y)),
        "*" => n(x.mul(y)),
        "/" => n(x.div(y)),
        "%" => n(x.rem(y)),
        ">" => Ok(Value::Bool(x.compare(y).is_gt())),
        ">=" => Ok(Value::Bool(x.compare(y).is_ge())),
        "<" => Ok(Value::Bool(x.compare(y).is_lt())),
        "<=" => Ok(Value::Bool(x.compare(y).is_le())),
        _ => Err(format!("unknown operator `{op}`")),
    }
}

/// cty's equality: the same type and the same value (numbers by their printed text).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    use crate::tfvars::types::type_of;
    let null = |v: &Value| matches!(v, Value::Null | Value::TypedNull(_));
    if null(a) || null(b) {
        return null(a) && null(b);
    }
    if type_of(a) != type_of(b) {
        return false;
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.same(y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Tuple(x) | Value::List(x, _), Value::Tuple(y) | Value::List(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(&p.value, &q.value))
        }
        (Value::Object(x) | Value::Map(x, _), Value::Object(y) | Value::Map(y, _)) => {
            let last = |e: &[crate::tfvars::Entry], k: &str| {
                e.iter().rev().find(|e| &*e.key == k).map(|e| e.value.value.clone())
            };
            x.iter()
                .all(|e| last(y, &e.key).is_some_and(|v| last(x, &e.key).is_some_and(|w| same(&w, &v))))
                && y.iter().all(|e| last(x, &e.key).is_some())
        }
        _ => false,
    }
}
