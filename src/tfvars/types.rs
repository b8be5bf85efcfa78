//! Terraform's (cty's) types of var-file values, and the two operations on them that a var-file
//! can reach: unification (`true ? 1 : "x"` is the string `"1"`) and conversion.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value as Json;

use crate::tfvars::num::Num;
use crate::tfvars::{Entry, Form, Node, Value};

/// A cty type. `Dynamic` is the type of a literal `null` and of "any type".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Dynamic,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    /// The type as Terraform writes it in JSON (`"string"`, `["list","number"]`, …).
    pub fn to_json(&self) -> Json {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(t) => serde_json::json!(["list", t.to_json()]),
            Type::Map(t) => serde_json::json!(["map", t.to_json()]),
            Type::Tuple(ts) => serde_json::json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(attrs) => {
                let attrs: serde_json::Map<String, Json> =
                    attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                serde_json::json!(["object", attrs])
            }
        }
    }

    fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }
}

/// The type of a value.
pub fn type_of(value: &Value) -> Type {
    match value {
        Value::Null => Type::Dynamic,
        Value::TypedNull(t) => (**t).clone(),
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::Tuple(items) => Type::Tuple(items.iter().map(|n| type_of(&n.value)).collect()),
        Value::Object(entries) => Type::Object(
            entries
                .iter()
                .map(|e| (e.key.to_string(), type_of(&e.value.value)))
                .collect(),
        ),
        Value::List(_, t) => Type::List(Box::new((**t).clone())),
        Value::Map(_, t) => Type::Map(Box::new((**t).clone())),
    }
}

/// A type that all of `types` convert to, as cty's `UnifyUnsafe` finds it; `None` when there is none.
pub fn unify(types: &[Type]) -> Option<Type> {
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let dynamic = count(|t| *t == Type::Dynamic);
    let (maps, lists) = (
        count(|t| matches!(t, Type::Map(_))),
        count(|t| matches!(t, Type::List(_))),
    );
    let (objects, tuples) = (
        count(|t| matches!(t, Type::Object(_))),
        count(|t| matches!(t, Type::Tuple(_))),
    );
    let all = types.len();
    if maps > 0 && maps + dynamic == all || lists > 0 && lists + dynamic == all {
        return unify_collections(types, dynamic > 0);
    }
    if maps > 0 && maps + objects + dynamic == all {
        if let Some(t @ Type::Map(_)) = unify_as(types, |t| matches!(t, Type::Object(_)), unify_objects_to_map) {
            return Some(t);
        }
    } else if lists > 0 && lists + tuples + dynamic == all {
        if let Some(t @ Type::List(_)) = unify_as(types, |t| matches!(t, Type::Tuple(_)), unify_tuples_to_list) {
            return Some(t);
        }
    } else if objects > 0 && objects + dynamic == all {
        return if dynamic > 0 {
            Some(Type::Dynamic)
        } else {
            unify_objects(types)
        };
    } else if tuples > 0 && tuples + dynamic == all {
        return if dynamic > 0 {
            Some(Type::Dynamic)
        } else {
            unify_tuples(types)
        };
    } else if objects > 0 && tuples > 0 {
        return None;
    }
    by_preference(types)
}

/// The first type, most general first, that every other type converts to.
fn by_preference(types: &[Type]) -> Option<Type> {
    let rank = |t: &Type| match t {
        Type::String => 0,
        Type::Dynamic => 2,
        _ => 1,
    };
    let mut order: Vec<&Type> = types.iter().collect();
    order.sort_by_key(|t| rank(t));
    order
        .into_iter()
        .find(|want| types.iter().all(|t| t == *want || convertible(t, want)))
        .cloned()
}

fn unify_collections(types: &[Type], dynamic: bool) -> Option<Type> {
    if dynamic {
        return Some(Type::Dynamic);
    }
    let elements: Vec<Type> = types
        .iter()
        .filter_map(|t| match t {
            Type::List(e) | Type::Map(e) => Some((**e).clone()),
            _ => None,
        })
        .collect();
    let element = Box::new(unify(&elements)?);
    let result = match types.first() {
        Some(Type::Map(_)) => Type::Map(element),
        _ => Type::List(element),
    };
    types.iter().all(|t| convertible(t, &result)).then_some(result)
}

/// Unifies the structural types selected by `pick` first, then everything with that result.
fn unify_as(types: &[Type], pick: fn(&Type) -> bool, first: fn(&[Type]) -> Option<Type>) -> Option<Type> {
    let picked: Vec<Type> = types.iter().filter(|t| pick(t)).cloned().collect();
    let as_collection = first(&picked)?;
    let replaced: Vec<Type> = types
        .iter()
        .map(|t| if pick(t) { as_collection.clone() } else { t.clone() })
        .collect();
    unify(&replaced)
}

fn unify_objects(types: &[Type]) -> Option<Type> {
    let attrs: Vec<&BTreeMap<String, Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Object(a) => Some(a),
            _ => None,
        })
        .collect();
    let first = attrs.first()?;
    if attrs
        .iter()
        .any(|a| a.len() != first.len() || a.keys().any(|k| !first.contains_key(k)))
    {
        return unify_objects_to_map(types);
    }
    let mut result = BTreeMap::new();
    for name in first.keys() {
        let across: Vec<Type> = attrs.iter().filter_map(|a| a.get(name).cloned()).collect();
        result.insert(name.clone(), unify(&across)?);
    }
    Some(Type::Object(result))
}

fn unify_objects_to_map(types: &[Type]) -> Option<Type> {
    let elements: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Object(a) => a.values().cloned().collect(),
            _ => Vec::new(),
        })
        .collect();
    let result = Type::Map(Box::new(unify(&elements)?));
    types.iter().all(|t| convertible(t, &result)).then_some(result)
}

fn unify_tuples(types: &[Type]) -> Option<Type> {
    let elements: Vec<&Vec<Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Tuple(e) => Some(e),
            _ => None,
        })
        .collect();
    let first = elements.first()?;
    if elements.iter().any(|e| e.len() != first.len()) {
        return unify_tuples_to_list(types);
    }
    let mut result = Vec::new();
    for i in 0..first.len() {
        let across: Vec<Type> = elements.iter().filter_map(|e| e.get(i).cloned()).collect();
        result.push(unify(&across)?);
    }
    Some(Type::Tuple(result))
}

fn unify_tuples_to_list(types: &[Type]) -> Option<Type> {
    let elements: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Tuple(e) => e.clone(),
            _ => Vec::new(),
        })
        .collect();
    let result = Type::List(Box::new(unify(&elements)?));
    types.iter().all(|t| convertible(t, &result)).then_some(result)
}

/// Whether cty has an (unsafe) conversion from `from` to `to`.
fn convertible(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (a, b) if a == b => true,
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (a, b) if a.is_primitive() && b.is_primitive() => {
            !matches!((a, b), (Type::Bool, Type::Number) | (Type::Number, Type::Bool))
        }
        (Type::Tuple(es), Type::List(e)) if **e == Type::Dynamic => element_of(es.iter(), true).is_some(),
        (Type::Object(attrs), Type::Map(e)) if **e == Type::Dynamic => element_of(attrs.values(), false).is_some(),
        (Type::Tuple(es), Type::List(e)) => es.iter().all(|t| convertible(t, e)),
        (Type::List(a), Type::List(e)) | (Type::Map(a), Type::Map(e)) => convertible(a, e),
        (Type::Object(attrs), Type::Map(e)) => attrs.values().all(|t| convertible(t, e)),
        (Type::Tuple(a), Type::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| convertible(x, y)),
        (Type::Object(a), Type::Object(b)) => b.iter().all(|(k, t)| a.get(k).is_some_and(|s| convertible(s, t))),
        _ => false,
    }
}

/// The element type cty picks when a tuple becomes a list, or an object a map, "of any type":
/// the types unified, which a list refuses to leave as "any type" while some element has a type.
fn element_of<'t>(types: impl Iterator<Item = &'t Type>, list: bool) -> Option<Type> {
    let types: Vec<Type> = types.cloned().collect();
    if types.is_empty() {
        return Some(Type::Dynamic);
    }
    let element = unify(&types)?;
    if list && element == Type::Dynamic && types.iter().any(|t| *t != Type::Dynamic) {
        return None;
    }
    types.iter().all(|t| convertible(t, &element)).then_some(element)
}

/// Converts `node` to `to` as cty does; the message says why it cannot.
pub fn convert(node: Node, to: &Type) -> Result<Node, String> {
    let from = type_of(&node.value);
    if from == *to || *to == Type::Dynamic {
        return Ok(node);
    }
    let span = node.span;
    let value = match node.value {
        Value::Null | Value::TypedNull(_) => Value::TypedNull(Rc::new(to.clone())),
        other => convert_value(other, to)?,
    };
    Ok(Node::new(value, span, Form::Other))
}

fn convert_value(value: Value, to: &Type) -> Result<Value, String> {
    match (value, to) {
        (Value::Number(n), Type::String) => Ok(Value::String(n.text().into())),
        (Value::Bool(b), Type::String) => Ok(Value::String(b.to_string().into())),
        (Value::String(s), Type::Number) => Num::parse(&s)
            .map(|n| Value::Number(Rc::new(n)))
            .ok_or_else(|| Num::unread(&s).unwrap_or_else(|| "a number is required".to_string())),
        (Value::String(s), Type::Bool) => string_to_bool(&s).map(Value::Bool),
        (Value::Tuple(items) | Value::List(items, _), Type::List(e)) if **e == Type::Dynamic => {
            // A list of "any type" takes its element type from the elements, which must unify.
            let types: Vec<Type> = items.iter().map(|n| type_of(&n.value)).collect();
            let element = element_of(types.iter(), true).ok_or("all list elements must have the same type")?;
            Ok(Value::List(convert_all(items, &element)?, Rc::new(element)))
        }
        (Value::Tuple(items) | Value::List(items, _), Type::List(e)) => {
            Ok(Value::List(convert_all(items, e)?, Rc::new((**e).clone())))
        }
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => Ok(Value::Tuple(
            items
                .into_vec()
                .into_iter()
                .zip(types)
                .map(|(n, t)| convert(n, t))
                .collect::<Result<_, _>>()?,
        )),
        (Value::Object(entries) | Value::Map(entries, _), Type::Map(e)) if **e == Type::Dynamic => {
            let types: Vec<Type> = entries.iter().map(|e| type_of(&e.value.value)).collect();
            let element = element_of(types.iter(), false).ok_or("all map elements must have the same type")?;
            let mut typed = types.iter().filter(|t| **t != Type::Dynamic);
            if element == Type::Dynamic && typed.next().is_some_and(|first| typed.any(|t| t != first)) {
                // cty's conversion to a map of "any type" then needs the values to agree.
                return Err("attribute types must all match for conversion to map".into());
            }
            Ok(Value::Map(
                convert_entries(entries, |_| Some(&element))?,
                Rc::new(element),
            ))
        }
        (Value::Object(entries) | Value::Map(entries, _), Type::Map(e)) => Ok(Value::Map(
            convert_entries(entries, |_| Some(e))?,
            Rc::new((**e).clone()),
        )),
        (Value::Object(entries), Type::Object(attrs)) => {
            let kept: Vec<Entry> = entries
                .into_vec()
                .into_iter()
                .filter(|e| attrs.contains_key(&*e.key))
                .collect();
            Ok(Value::Object(convert_entries(kept.into(), |k| attrs.get(k))?))
        }
        (value, to) => Err(format!(
            "{} is required, not {}",
            describe(to),
            describe(&type_of(&value))
        )),
    }
}

fn convert_all(items: Box<[Node]>, to: &Type) -> Result<Box<[Node]>, String> {
    items.into_vec().into_iter().map(|n| convert(n, to)).collect()
}

fn convert_entries<'t>(entries: Box<[Entry]>, to: impl Fn(&str) -> Option<&'t Type>) -> Result<Box<[Entry]>, String> {
    entries
        .into_vec()
        .into_iter()
        .map(|mut e| {
            if let Some(t) = to(&e.key) {
                e.value = convert(e.value, t)?;
            }
            Ok(e)
        })
        .collect()
}

fn string_to_bool(s: &str) -> Result<bool, String> {
    match s {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => Err(format!(
            "a bool is required; to convert from string, use lowercase \"{}\"",
            s.to_lowercase()
        )),
        _ => Err("a bool is required".into()),
    }
}

/// A type in words, for messages ("a number", "a list of string").
pub fn describe(t: &Type) -> String {
    match t {
        Type::Dynamic => "a value".into(),
        Type::Bool => "a bool".into(),
        Type::Number => "a number".into(),
        Type::String => "a string".into(),
        Type::List(_) | Type::Tuple(_) => "a list".into(),
        Type::Map(_) | Type::Object(_) => "a map".into(),
    }
}
