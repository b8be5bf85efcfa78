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
        "||" | "&&" => logic(op == "||", at, left, right),
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

/// `||` and `&&` as HCL short-circuits them: a side that decides the result wins even when the
/// other side is an error, and for `&&` a null side counts as false (cty's `False()` of a null).
fn logic(or: bool, at: usize, left: Operand, right: Operand) -> Result<Value, (usize, String)> {
    let to_bool = |side: &Operand, name: &str| -> Result<Option<Option<bool>>, (usize, String)> {
        match side {
            Err(_) => Ok(None),
            Ok(node) if matches!(node.value, Value::Null | Value::TypedNull(_)) => Ok(Some(None)),
            Ok(node) => match operand(Ok(node.clone()), &Type::Bool, at, name)? {
                Value::Bool(b) => Ok(Some(Some(b))),
                _ => Ok(Some(None)),
            },
        }
    };
    let (l, r) = (to_bool(&left, "left")?, to_bool(&right, "right")?);
    let decides = |side: Option<Option<bool>>| match side {
        Some(Some(b)) => b == or,
        Some(None) => !or,
        None => false,
    };
    if decides(l) || decides(r) {
        return Ok(Value::Bool(or));
    }
    left?;
    right?;
    match (l, r) {
        (Some(Some(x)), Some(Some(y))) => Ok(Value::Bool(if or { x || y } else { x && y })),
        _ => Err((
            at,
            format!("`{}` needs two bools, not null", if or { "||" } else { "&&" }),
        )),
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
