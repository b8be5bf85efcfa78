//! Operators over literal values, folded as Terraform evaluates them in a `.tfvars` file
//! (`24 * 60` is accepted there and means 1440).

use crate::tfvars::{number_text, Node, Value};

/// Binary operators from the loosest to the tightest binding, as in HCL.
pub const LEVELS: [&[&str]; 6] = [
    &["||"],
    &["&&"],
    &["==", "!="],
    &[">=", "<=", ">", "<"],
    &["+", "-"],
    &["*", "/", "%"],
];

/// Applies a binary operator to two literal values.
pub fn apply(op: &str, a: &Value, b: &Value) -> Result<Value, String> {
    match op {
        "||" | "&&" => logic(op, a, b),
        "==" => Ok(Value::Bool(same(a, b))),
        "!=" => Ok(Value::Bool(!same(a, b))),
        _ => arithmetic(op, number(a, op)?, number(b, op)?),
    }
}

fn logic(op: &str, a: &Value, b: &Value) -> Result<Value, String> {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(if op == "&&" { *x && *y } else { *x || *y })),
        _ => Err(format!("`{op}` needs two bools")),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    let node = |v: &Value| Node::new(v.clone(), crate::tfvars::Span::new(0, 0), crate::tfvars::Form::Other).to_json();
    node(a) == node(b)
}

fn number(v: &Value, op: &str) -> Result<f64, String> {
    let text = match v {
        Value::Number(n) => &**n,
        Value::String(s) => &**s,
        _ => return Err(format!("`{op}` needs numbers")),
    };
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("`{op}` needs numbers, not `{text}`"))
}

fn arithmetic(op: &str, x: f64, y: f64) -> Result<Value, String> {
    let n = |f: f64| Ok(Value::Number(format_number(f).into()));
    match op {
        "+" => n(x + y),
        "-" => n(x - y),
        "*" => n(x * y),
        "/" if y == 0.0 => Err("division by zero".into()),
        "/" => n(x / y),
        "%" if y == 0.0 => Err("modulo by zero".into()),
        "%" => n(x % y),
        ">" => Ok(Value::Bool(x > y)),
        ">=" => Ok(Value::Bool(x >= y)),
        "<" => Ok(Value::Bool(x < y)),
        "<=" => Ok(Value::Bool(x <= y)),
        _ => Err(format!("unknown operator `{op}`")),
    }
}

fn format_number(f: f64) -> String {
    number_text(&format!("{f:?}"))
}
