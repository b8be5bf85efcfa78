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
        "+" | "-" | "*" | "/" => exact(op, a, b).map_or_else(|| arithmetic(op, number(a, op)?, number(b, op)?), Ok),
        _ => arithmetic(op, number(a, op)?, number(b, op)?),
    }
}

/// A decimal number held exactly: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// The largest scale kept exactly; beyond it the result falls back to 64-bit floats.
const MAX_SCALE: u32 = 30;

impl Decimal {
    fn parse(value: &Value) -> Option<Decimal> {
        let Value::Number(n) = value else { return None };
        let text = crate::tfvars::canonical_decimal(n)?;
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let scale = u32::try_from(frac.len()).ok().filter(|s| *s <= MAX_SCALE)?;
        Some(Decimal {
            mantissa: format!("{int}{frac}").parse().ok()?,
            scale,
        })
    }

    fn rescale(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    fn text(self) -> String {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        crate::tfvars::canonical_decimal(&format!("{sign}{int}.{frac}0")).unwrap_or_default()
    }
}

/// `+ - * /` on decimals whose result is exact, as Terraform's 512-bit arithmetic prints it
/// (`0.1 + 0.2` is `0.3`, `24 * 60` is `1440`); `None` when the result is not a short decimal.
fn exact(op: &str, a: &Value, b: &Value) -> Option<Value> {
    let (x, y) = (Decimal::parse(a)?, Decimal::parse(b)?);
    let result = match op {
        "+" | "-" => {
            let scale = x.scale.max(y.scale);
            let (p, q) = (x.rescale(scale)?, y.rescale(scale)?);
            let mantissa = if op == "+" {
                p.checked_add(q)?
            } else {
                p.checked_sub(q)?
            };
            Decimal { mantissa, scale }
        }
        "*" => Decimal {
            mantissa: x.mantissa.checked_mul(y.mantissa)?,
            scale: x.scale + y.scale,
        },
        _ => divide(x, y)?,
    };
    (result.scale <= MAX_SCALE).then(|| Value::Number(result.text().into()))
}

/// `x / y` when the quotient is a terminating decimal of at most `MAX_SCALE` places.
fn divide(x: Decimal, y: Decimal) -> Option<Decimal> {
    if y.mantissa == 0 {
        return None;
    }
    let scale = x.scale.max(y.scale);
    let (mut p, q) = (x.rescale(scale)?, y.rescale(scale)?);
    for places in 0..=MAX_SCALE {
        if p % q == 0 {
            return Some(Decimal {
                mantissa: p / q,
                scale: places,
            });
        }
        p = p.checked_mul(10)?;
    }
    None
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
