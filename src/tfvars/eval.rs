//! Evaluates a var-file expression as Terraform does (`attr.Expr.Value(nil)`): constants,
//! operators, conditionals with type unification, templates, for-expressions and indexing.
//! Variables and function calls are errors, but only where Terraform evaluates them: the branch a
//! conditional does not take, or the side of `||`/`&&` that does not decide, may hold one.

use std::rc::Rc;

use crate::tfvars::expr::{Expr, For, Key, Part, Step};
use crate::tfvars::num::Num;
use crate::tfvars::ops::{self, Operand};
use crate::tfvars::parse::{grow, grow_at};
use crate::tfvars::types::{convert, describe, type_of, unify, Type};
use crate::tfvars::{Entry, Form, Node, Span, Str, Value};

/// An evaluation error: the byte offset it belongs to and the message.
pub type Error = (usize, String);

type Result<T> = std::result::Result<T, Error>;

/// The variables a for-expression binds, innermost last.
#[derive(Default)]
pub struct Scope {
    vars: Vec<(Str, Node)>,
    /// How deeply `eval` is nested, so that shallow values skip the stack check.
    depth: usize,
}

/// Evaluates a top-level attribute's expression; a literal (which the parser builds for
/// constants) is its own value.
pub fn evaluate(expr: Expr) -> Result<Node> {
    match expr {
        Expr::Literal(node) => Ok(node),
        other => eval(&other, &mut Scope::default()),
    }
}

fn eval(expr: &Expr, scope: &mut Scope) -> Result<Node> {
    scope.depth += 1;
    let node = grow_at(scope.depth, || eval_here(expr, scope));
    scope.depth -= 1;
    node
}

fn computed(value: Value, span: Span) -> Node {
    Node::new(value, span, Form::Other)
}

fn eval_here(expr: &Expr, scope: &mut Scope) -> Result<Node> {
    let span = expr.span();
    match expr {
        Expr::Literal(node) => Ok(node.clone()),
        Expr::Paren(inner, _) => eval(inner, scope),
        Expr::Template(parts, _) => template(parts, span, scope),
        Expr::Tuple(items, _) => {
            let items = items.iter().map(|e| eval(e, scope)).collect::<Result<Vec<_>>>()?;
            Ok(Node::new(Value::Tuple(items.into()), span, Form::Other))
        }
        Expr::Object(items, _) => object(items, span, scope),
        Expr::Unary(prefix, operand) => unary(prefix, operand, scope),
        Expr::Binary(first, rest) => binary(first, rest, scope),
        Expr::Conditional(parts, _) => conditional(parts, span, scope),
        Expr::For(f) => for_expression(f, scope),
        Expr::Traversal(term, steps, _) => traversal(term, steps, span, scope),
        Expr::Variable(name, _) => lookup(name, span, scope),
        Expr::Call(name, _) => Err((span.start(), format!(
            "functions may not be called in a .tfvars file (`{name}(…)`); use a literal value"
        ))),
        Expr::Splat(_) => Err((span.start(), "Terraform accepts splat expressions (`[*]`, `.*`) in a var-file, but pins does not evaluate them; write the value out".into())),
    }
}

fn lookup(name: &str, span: Span, scope: &Scope) -> Result<Node> {
    match scope.vars.iter().rev().find(|(n, _)| &**n == name) {
        Some((_, node)) => Ok(node.clone()),
        None => Err((span.start(), format!(
            "variables and references are not allowed in a .tfvars file (`{name}`); use a literal value, or quote it if it is a string"
        ))),
    }
}

fn object(items: &[(Key, Expr)], span: Span, scope: &mut Scope) -> Result<Node> {
    let mut entries = Vec::with_capacity(items.len());
    for (key, value) in items {
        let (key, key_span, quoted) = match key {
            Key::Name(name, key_span) => (crate::tfvars::nfc_shared(name), *key_span, false),
            Key::Expr(e) => {
                let node = eval(e, scope)?;
                let quoted = matches!(node.form, Form::Quoted);
                (key_text(node, e.span())?, e.span(), quoted)
            }
        };
        entries.push(Entry {
            key,
            key_span,
            quoted,
            value: eval(value, scope)?,
        });
    }
    Ok(Node::new(Value::Object(entries.into()), span, Form::Other))
}

/// A map key's text: a string, or a number or bool converted to one.
fn key_text(node: Node, span: Span) -> Result<Str> {
    match convert(node, &Type::String) {
        Ok(Node {
            value: Value::String(s),
            ..
        }) => Ok(s),
        Ok(_) => Err((span.start(), "a map key must not be null".into())),
        Err(m) => Err((span.start(), format!("a map key must be a string: {m}"))),
    }
}

fn unary(prefix: &[(u8, usize)], operand: &Expr, scope: &mut Scope) -> Result<Node> {
    let mut node = eval(operand, scope)?;
    for &(op, at) in prefix.iter().rev() {
        let value = if op == b'-' {
            ops::negate(node, at)?
        } else {
            ops::not(node, at)?
        };
        node = computed(value, Span::new(at, operand.span().end()));
    }
    Ok(node)
}

fn binary(first: &Expr, rest: &[(&'static str, usize, Expr)], scope: &mut Scope) -> Result<Node> {
    let mut left: Operand = eval(first, scope);
    for (i, (op, at, right_expr)) in rest.iter().enumerate() {
        let right = eval(right_expr, scope);
        if matches!(*op, "||" | "&&") {
            // A failed operand is an unknown of its type; one that cannot become a bool fails
            // the operation before `||`/`&&` can short-circuit. (A chain's running result is a bool.)
            if i == 0 {
                if_unconvertible(&left, first, scope)?;
            }
            if_unconvertible(&right, right_expr, scope)?;
        }
        let span = Span::new(first.span().start(), right.as_ref().map_or(*at, |n| n.span.end()));
        left = if matches!(*op, "||" | "&&") {
            let known = [
                if i == 0 {
                    known_despite_error(&left, first, scope)
                } else {
                    None
                },
                known_despite_error(&right, right_expr, scope),
            ];
            ops::logic(*op == "||", *at, left, right, known)
        } else {
            ops::apply(op, *at, left, right)
        }
        .map(|v| computed(v, span));
    }
    left
}

/// The value a failed operand still has in HCL: a string template that fails is a known string
/// (the text before its first error); a list, a map whose keys work, or a for-expression whose
/// keys and filters work are known too (an empty one stands for it here, since only its type
/// matters to `||`/`&&`). Any other failed expression is unknown.
fn known_despite_error(operand: &Operand, expr: &Expr, scope: &mut Scope) -> Option<Node> {
    if operand.is_ok() {
        return None;
    }
    let span = expr.span();
    match expr {
        Expr::Tuple(..) => Some(computed(Value::Tuple(Box::default()), span)),
        Expr::Object(items, _) => keys_work(items, scope).then(|| computed(Value::Object(Box::default()), span)),
        Expr::For(f) => grow(|| for_keys_work(f, scope)).then(|| computed(Value::Tuple(Box::default()), span)),
        Expr::Paren(inner, _) => known_despite_error(&Err((0, String::new())), inner, scope),
        Expr::Template(parts, span) => match parts.as_slice() {
            [Part::Interpolation(inner)] => known_despite_error(&Err((0, String::new())), inner, scope),
            _ => match grow(|| prefix(parts, scope)) {
                (Some(text), _) => Some(computed(Value::String(crate::tfvars::nfc(text)), *span)),
                (None, _) => None,
            },
        },
        _ => None,
    }
}

fn keys_work(items: &[(Key, Expr)], scope: &mut Scope) -> bool {
    items.iter().all(|(key, _)| match key {
        Key::Name(..) => true,
        Key::Expr(e) => eval(e, scope).is_ok_and(|node| key_text(node, e.span()).is_ok()),
    })
}

/// Whether a for-expression's collection, filter and keys evaluate (HCL's result is then known
/// even when a value fails or two keys collide).
fn for_keys_work(f: &For, scope: &mut Scope) -> bool {
    let Ok(pairs) = eval(&f.collection, scope).and_then(|c| elements(c, f.collection.span().start())) else {
        return false;
    };
    pairs.into_iter().all(|(key, value)| {
        let bound = bind(scope, &f.key_var, &f.value_var, key, value);
        let keep = match &f.condition {
            Some(cond) => eval(cond, scope).and_then(|c| condition(c, cond.span())).ok(),
            None => Some(true),
        };
        let works = match (keep, &f.key) {
            (None, _) => false,
            (Some(false), _) | (Some(true), None) => true,
            (Some(true), Some(k)) => eval(k, scope).is_ok_and(|node| key_text(node, k.span()).is_ok()),
        };
        scope.vars.truncate(scope.vars.len() - bound);
        works
    })
}

/// A template as HCL renders it despite errors: the text before the first failing part, or
/// `None` when a part is unknown; and whether a part failed.
fn prefix(parts: &[Part], scope: &mut Scope) -> (Option<String>, bool) {
    let (mut out, mut failed, mut known) = (String::new(), false, true);
    for part in parts {
        let piece = match part {
            Part::Literal(text) => Some(text.clone()),
            Part::Interpolation(e) => match eval(e, scope) {
                Ok(node) => interpolated(&Expr::Literal(node), scope).ok(),
                Err(_) => {
                    known &= known_despite_error(&Err((0, String::new())), e, scope).is_some();
                    None
                }
            },
            Part::If(cond, yes, no) => match eval(cond, scope).and_then(|c| condition(c, cond.span())) {
                Ok(choice) => match prefix(if choice { yes } else { no }, scope) {
                    (Some(text), false) => Some(text),
                    (branch, _) => {
                        known &= branch.is_some();
                        None
                    }
                },
                Err(_) => {
                    known = false;
                    None
                }
            },
            Part::For(..) => {
                let mut text = String::new();
                let rendered = render(std::slice::from_ref(part), scope, &mut text);
                known &= rendered.is_ok();
                rendered.ok().map(|()| text)
            }
        };
        match piece {
            Some(text) if !failed => out.push_str(&text),
            Some(_) => {}
            None => failed = true,
        }
    }
    (known.then_some(out), failed)
}

/// The error of a failed operand whose type has no conversion to bool.
fn if_unconvertible(operand: &Operand, expr: &Expr, scope: &mut Scope) -> Result<()> {
    match operand {
        Err(e) if !matches!(error_type(expr, scope), Type::Dynamic | Type::Bool | Type::String) => Err(e.clone()),
        _ => Ok(()),
    }
}

fn conditional(parts: &[Expr; 3], span: Span, scope: &mut Scope) -> Result<Node> {
    let [cond, yes, no] = parts;
    let (yes_value, no_value) = (eval(yes, scope), eval(no, scope));
    let cond_node = eval(cond, scope)?;
    if matches!(cond_node.value, Value::Null | Value::TypedNull(_)) {
        return Err((
            cond.span().start(),
            "the condition is null; it must be true or false".into(),
        ));
    }
    let choice = match convert(cond_node, &Type::Bool) {
        Ok(Node {
            value: Value::Bool(b), ..
        }) => b,
        Ok(_) => return Err((cond.span().start(), "the condition must be a bool".into())),
        Err(m) => return Err((cond.span().start(), format!("the condition must be a bool: {m}"))),
    };
    let (skipped, skipped_expr) = if choice { (&no_value, no) } else { (&yes_value, yes) };
    if let Err((_, why)) = skipped {
        if !typed_error(skipped_expr) {
            return Err((skipped_expr.span().start(), format!(
                "the `? :` branch not taken fails ({why}); Terraform accepts such a conditional when the failing branch's type fits the other's, but pins does not work that out for a failing list, map, index or for-expression, and refuses it"
            )));
        }
    }
    let types = [branch_type(&yes_value, yes, scope), branch_type(&no_value, no, scope)];
    let target = result_type(&yes_value, &no_value, types, span)?;
    let chosen = if choice { yes_value? } else { no_value? };
    let chosen_at = if choice { yes.span() } else { no.span() };
    let node = match target {
        Some(t) => convert(chosen, &t)
            .map_err(|m| (chosen_at.start(), format!("Inconsistent conditional result types: {m}")))?,
        None => chosen,
    };
    Ok(Node::new(node.value, span, Form::Other))
}

/// The type both results convert to, as HCL picks it; `None` when no conversion applies.
fn result_type(yes: &Result<Node>, no: &Result<Node>, types: [Type; 2], span: Span) -> Result<Option<Type>> {
    let literal_null = |r: &Result<Node>| matches!(r, Ok(Node { value: Value::Null, .. }));
    let [a, b] = types;
    if literal_null(yes) {
        return Ok(Some(b));
    }
    if literal_null(no) {
        return Ok(Some(a));
    }
    if a == Type::Dynamic || b == Type::Dynamic {
        return Ok(None);
    }
    match unify(&[a.clone(), b.clone()]) {
        Some(t) => Ok(Some(t)),
        None => Err((span.start(), format!(
            "Inconsistent conditional result types: the true result is {} and the false result is {}; Terraform refuses a conditional whose results have no common type",
            describe(&a),
            describe(&b)
        ))),
    }
}

/// Whether the type HCL gives a failing expression is known exactly: a reference or call (any
/// type), an operator (its result type) or a string template.
fn typed_error(expr: &Expr) -> bool {
    match expr {
        Expr::Variable(..) | Expr::Call(..) | Expr::Binary(..) | Expr::Unary(..) => true,
        Expr::Template(parts, _) => match parts.as_slice() {
            [Part::Interpolation(inner)] => typed_error(inner),
            _ => true,
        },
        Expr::Paren(inner, _) => typed_error(inner),
        // `var.x`: a reference, whatever follows it.
        Expr::Traversal(term, _, _) => matches!(**term, Expr::Variable(..)),
        _ => false,
    }
}

/// A branch's type: its value's, or for an error the type of the unknown value HCL returns in
/// its place (an operator's result type, an object with the failing attribute unknown, …).
fn branch_type(value: &Result<Node>, expr: &Expr, scope: &mut Scope) -> Type {
    match value {
        Ok(node) => type_of(&node.value),
        Err(_) => grow(|| error_type(expr, scope)),
    }
}

fn error_type(expr: &Expr, scope: &mut Scope) -> Type {
    match expr {
        Expr::Paren(inner, _) => error_type(inner, scope),
        Expr::Template(parts, _) if matches!(parts.as_slice(), [Part::Interpolation(_)]) => match parts.as_slice() {
            [Part::Interpolation(inner)] => error_type(inner, scope),
            _ => Type::Dynamic,
        },
        Expr::Binary(_, rest) => match rest.last().map(|r| r.0) {
            Some("+" | "-" | "*" | "/" | "%") => Type::Number,
            _ => Type::Bool,
        },
        Expr::Unary(prefix, _) => match prefix.first() {
            Some((b'-', _)) => Type::Number,
            _ => Type::Bool,
        },
        Expr::Template(parts, _) if !matches!(parts.as_slice(), [Part::Interpolation(_)]) => Type::String,
        Expr::Conditional(parts, _) => {
            let [_, yes, no] = &**parts;
            let types = [
                branch_type(&eval(yes, scope), yes, scope),
                branch_type(&eval(no, scope), no, scope),
            ];
            unify(&types).unwrap_or(Type::Dynamic)
        }
        // A failing collection still iterates (its elements unknown); a failing body or filter
        // makes the whole for-expression unknown.
        Expr::For(f) if f.key.is_none() => match eval(&f.collection, scope) {
            Ok(_) => Type::Dynamic,
            Err(_) => match error_type(&f.collection, scope) {
                Type::Tuple(items) => Type::Tuple(vec![Type::Dynamic; items.len()]),
                Type::Object(attrs) => Type::Tuple(vec![Type::Dynamic; attrs.len()]),
                _ => Type::Dynamic,
            },
        },
        Expr::Traversal(term, steps, _) => {
            let mut ty = branch_type(&eval(term, scope), term, scope);
            for step in steps {
                ty = match (step, ty) {
                    (Step::Index(e, _), Type::Tuple(items)) => {
                        match eval(e, scope).map(|n| convert(n, &Type::Number)) {
                            Ok(Ok(Node {
                                value: Value::Number(n),
                                ..
                            })) => n
                                .as_i64()
                                .and_then(|i| usize::try_from(i).ok())
                                .and_then(|i| items.get(i).cloned())
                                .unwrap_or(Type::Dynamic),
                            _ => Type::Dynamic,
                        }
                    }
                    (Step::Index(e, _), Type::Object(attrs)) => match eval(e, scope).map(|n| convert(n, &Type::String))
                    {
                        Ok(Ok(Node {
                            value: Value::String(k),
                            ..
                        })) => attrs.get(&*k).cloned().unwrap_or(Type::Dynamic),
                        _ => Type::Dynamic,
                    },
                    (Step::Attr(name, _), Type::Object(attrs)) => attrs.get(&**name).cloned().unwrap_or(Type::Dynamic),
                    _ => Type::Dynamic,
                };
            }
            ty
        }
        _ => Type::Dynamic,
    }
}

fn template(parts: &[Part], span: Span, scope: &mut Scope) -> Result<Node> {
    if let [Part::Interpolation(only)] = parts {
        let node = eval(only, scope)?;
        return Ok(Node::new(node.value, span, Form::Other));
    }
    let mut out = String::new();
    render(parts, scope, &mut out)?;
    Ok(computed(Value::String(crate::tfvars::nfc(out)), span))
}

fn render(parts: &[Part], scope: &mut Scope, out: &mut String) -> Result<()> {
    for part in parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Interpolation(e) => out.push_str(&interpolated(e, scope)?),
            Part::If(cond, yes, no) => {
                let node = eval(cond, scope)?;
                let branch = if condition(node, cond.span())? { yes } else { no };
                grow(|| render(branch, scope, out))?;
            }
            Part::For(key_var, value_var, coll, body, at) => {
                for (key, value) in elements(eval(coll, scope)?, *at)? {
                    let bound = bind(scope, key_var, value_var, key, value);
                    let result = grow(|| render(body, scope, out));
                    scope.vars.truncate(scope.vars.len() - bound);
                    result?;
                }
            }
        }
    }
    Ok(())
}

fn interpolated(e: &Expr, scope: &mut Scope) -> Result<String> {
    let node = eval(e, scope)?;
    let at = e.span().start();
    if matches!(node.value, Value::Null | Value::TypedNull(_)) {
        return Err((at, "Invalid template interpolation value: the expression result is null. Cannot include a null value in a string template".into()));
    }
    match convert(node, &Type::String) {
        Ok(Node {
            value: Value::String(s),
            ..
        }) => Ok(s.to_string()),
        Ok(_) => Err((at, "Invalid template interpolation value".into())),
        Err(m) => Err((
            at,
            format!("Invalid template interpolation value: cannot include the given value in a string template: {m}"),
        )),
    }
}

/// A condition (`if`, `? :`) converted to a bool.
fn condition(node: Node, span: Span) -> Result<bool> {
    if matches!(node.value, Value::Null | Value::TypedNull(_)) {
        return Err((span.start(), "the condition is null; it must be true or false".into()));
    }
    match convert(node, &Type::Bool) {
        Ok(Node {
            value: Value::Bool(b), ..
        }) => Ok(b),
        Ok(_) => Err((span.start(), "the condition must be a bool".into())),
        Err(m) => Err((span.start(), format!("the condition must be a bool: {m}"))),
    }
}

/// The (key, value) pairs a for-expression iterates: indices of a list, or a map's keys in
/// lexical order (last duplicate wins).
fn elements(coll: Node, at: usize) -> Result<Vec<(Node, Node)>> {
    let span = coll.span;
    match coll.value {
        Value::Tuple(items) | Value::List(items, _) => Ok(items
            .into_vec()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (computed(Value::Number(Rc::new(Num::int(i as i64))), span), v))
            .collect()),
        Value::Object(entries) | Value::Map(entries, _) => {
            let mut map: std::collections::BTreeMap<Str, Node> = std::collections::BTreeMap::new();
            for e in entries.into_vec() {
                map.insert(e.key, e.value);
            }
            Ok(map
                .into_iter()
                .map(|(k, v)| (computed(Value::String(k), span), v))
                .collect())
        }
        Value::Null | Value::TypedNull(_) => Err((
            at,
            "Iteration over null value: a for expression cannot iterate over null".into(),
        )),
        other => Err((
            at,
            format!(
                "Iteration over non-iterable value: a for expression must iterate over a list or a map, not {}",
                describe(&type_of(&other))
            ),
        )),
    }
}

fn bind(scope: &mut Scope, key_var: &Option<Str>, value_var: &Str, key: Node, value: Node) -> usize {
    if let Some(k) = key_var {
        scope.vars.push((k.clone(), key));
        scope.vars.push((value_var.clone(), value));
        2
    } else {
        scope.vars.push((value_var.clone(), value));
        1
    }
}

fn for_expression(f: &For, scope: &mut Scope) -> Result<Node> {
    let coll = eval(&f.collection, scope)?;
    let mut items = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    for (key, value) in elements(coll, f.collection.span().start())? {
        let bound = bind(scope, &f.key_var, &f.value_var, key, value);
        let result = for_element(f, scope, &mut items, &mut entries);
        scope.vars.truncate(scope.vars.len() - bound);
        result?;
    }
    let value = if f.key.is_some() {
        Value::Object(entries.into())
    } else {
        Value::Tuple(items.into())
    };
    Ok(computed(value, f.span))
}

fn for_element(f: &For, scope: &mut Scope, items: &mut Vec<Node>, entries: &mut Vec<Entry>) -> Result<()> {
    if let Some(cond) = &f.condition {
        if !condition(eval(cond, scope)?, cond.span())? {
            return Ok(());
        }
    }
    let Some(key_expr) = &f.key else {
        items.push(eval(&f.value, scope)?);
        return Ok(());
    };
    let key = key_text(eval(key_expr, scope)?, key_expr.span())?;
    let value = eval(&f.value, scope)?;
    let existing = entries.iter_mut().find(|e| e.key == key);
    match (existing, f.group) {
        (Some(entry), true) => {
            if let Value::Tuple(group) = &mut entry.value.value {
                let mut list = std::mem::take(group).into_vec();
                list.push(value);
                *group = list.into();
            }
        }
        (Some(_), false) => {
            return Err((
                key_expr.span().start(),
                format!(
                "Duplicate object key: two elements produce the key \"{key}\"; add `...` after the value to group them"
            ),
            ))
        }
        (None, group) => {
            let value = if group {
                computed(Value::Tuple(vec![value].into()), f.span)
            } else {
                value
            };
            entries.push(Entry {
                key,
                key_span: key_expr.span(),
                quoted: false,
                value,
            });
        }
    }
    Ok(())
}

fn traversal(term: &Expr, steps: &[Step], span: Span, scope: &mut Scope) -> Result<Node> {
    let mut node = eval(term, scope)?;
    for step in steps {
        node = match step {
            Step::Index(e, at) => {
                let key = eval(e, scope)?;
                index(node, key, *at)?
            }
            Step::Attr(name, at) => attribute(node, name, *at)?,
        };
    }
    Ok(Node::new(node.value, span, Form::Other))
}

fn index(coll: Node, key: Node, at: usize) -> Result<Node> {
    if matches!(key.value, Value::Null | Value::TypedNull(_)) {
        return Err((at, "Invalid index: can't use a null value as an indexing key".into()));
    }
    match coll.value {
        Value::Tuple(items) | Value::List(items, _) => {
            let i = match convert(key, &Type::Number) {
                Ok(Node {
                    value: Value::Number(n),
                    ..
                }) => n.as_i64(),
                _ => return Err((at, "Invalid index: a number is required".into())),
            };
            i.and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i).cloned())
                .ok_or_else(|| {
                    (
                        at,
                        "Invalid index: the given key does not identify an element in this collection value".into(),
                    )
                })
        }
        Value::Object(entries) | Value::Map(entries, _) => {
            let name = match convert(key, &Type::String) {
                Ok(Node {
                    value: Value::String(s),
                    ..
                }) => s,
                _ => return Err((at, "Invalid index: a string is required".into())),
            };
            member(&entries, &name, at)
        }
        Value::Null | Value::TypedNull(_) => Err((at, "Attempt to index null value".into())),
        other => Err((
            at,
            format!(
                "Invalid index: {} does not have any indices",
                describe(&type_of(&other))
            ),
        )),
    }
}

fn attribute(node: Node, name: &str, at: usize) -> Result<Node> {
    match node.value {
        Value::Object(entries) | Value::Map(entries, _) => member(&entries, name, at),
        Value::Null | Value::TypedNull(_) => Err((at, "Attempt to get attribute from null value".into())),
        other => Err((
            at,
            format!(
                "Unsupported attribute: {} does not have attributes",
                describe(&type_of(&other))
            ),
        )),
    }
}

fn member(entries: &[Entry], name: &str, at: usize) -> Result<Node> {
    entries
        .iter()
        .rev()
        .find(|e| &*e.key == name)
        .map(|e| e.value.clone())
        .ok_or_else(|| {
            (
                at,
                format!("Unsupported attribute: this map does not have an element named \"{name}\""),
            )
        })
}
