//! Reads a JSON object into domain types while collecting every invalid
//! field with its path (`lines[0].quantity`), so one answer lists them all.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// One JSON object under a path, with the shared error list.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    path: String,
    errors: &'a mut Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(object: &'a Map<String, Value>, path: impl Into<String>, errors: &'a mut Vec<FieldError>) -> Self {
        Self { object, path: path.into(), errors }
    }

    pub fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        let field = self.path_of(name);
        self.errors.push(FieldError::new(field, message));
    }

    /// Refuses names the route does not know (a typo must not be ignored).
    pub fn deny_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self.object.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect();
        for k in unknown {
            self.error(&k, "is not a known field");
        }
    }

    /// Present and explicitly `null`.
    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.object.get(name), Some(Value::Null))
    }

    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// A string field parsed by `parse`; `None` when absent (or invalid,
    /// with the error recorded).
    pub fn optional<T, E: std::fmt::Display>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
        match self.raw(name) {
            None => None,
            Some(Value::String(s)) => match parse(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.error(name, e.to_string());
                    None
                }
            },
            Some(_) => {
                self.error(name, "must be a string");
                None
            }
        }
    }

    pub fn required<T, E: std::fmt::Display>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
        if self.raw(name).is_none() {
            self.error(name, "is required");
            return None;
        }
        self.optional(name, parse)
    }

    pub fn optional_bool(&mut self, name: &str) -> Option<bool> {
        match self.raw(name) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.error(name, "must be true or false");
                None
            }
        }
    }

    pub fn optional_u16(&mut self, name: &str, max: u16) -> Option<u16> {
        match self.raw(name) {
            None => None,
            Some(Value::Number(n)) => match n.as_u64().filter(|v| *v <= u64::from(max)) {
                Some(v) => Some(v as u16),
                None => {
                    self.error(name, format!("must be a whole number from 0 to {max}"));
                    None
                }
            },
            Some(_) => {
                self.error(name, "must be a number");
                None
            }
        }
    }

    pub fn optional_object(&mut self, name: &str) -> Option<&'a Map<String, Value>> {
        match self.raw(name) {
            None => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.error(name, "must be an object");
                None
            }
        }
    }

    pub fn optional_array(&mut self, name: &str) -> Option<&'a Vec<Value>> {
        match self.raw(name) {
            None => None,
            Some(Value::Array(a)) => Some(a),
            Some(_) => {
                self.error(name, "must be an array");
                None
            }
        }
    }

    pub fn errors(&mut self) -> &mut Vec<FieldError> {
        self.errors
    }
}

/// Parses the body as one JSON object.
pub fn object_body(body: &[u8]) -> Result<Map<String, Value>, crate::ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(crate::ApiError::MalformedJson("the body must be a JSON object".into())),
        Err(e) => Err(crate::ApiError::MalformedJson(format!("line {} column {}: {}", e.line(), e.column(), classify(&e)))),
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of input",
        Category::Syntax => "syntax error",
        Category::Data | Category::Io => "unreadable JSON",
    }
}

/// Metadata: a string map, bounded as the domain demands.
pub fn metadata(f: &mut Fields<'_>, name: &str) -> o2c_domain::customer::Metadata {
    use o2c_domain::customer::{METADATA_MAX_KEYS, METADATA_MAX_KEY_CHARS, METADATA_MAX_VALUE_CHARS};
    let mut out = o2c_domain::customer::Metadata::new();
    let Some(map) = f.optional_object(name) else { return out };
    if map.len() > METADATA_MAX_KEYS {
        f.error(name, format!("has more than {METADATA_MAX_KEYS} keys"));
        return out;
    }
    for (k, v) in map {
        let path = format!("{name}.{k}");
        if k.is_empty() || k.chars().count() > METADATA_MAX_KEY_CHARS {
            f.error(&path, format!("keys are 1 to {METADATA_MAX_KEY_CHARS} characters"));
            continue;
        }
        match v {
            Value::String(s) if s.chars().count() <= METADATA_MAX_VALUE_CHARS => {
                out.insert(k.clone(), s.clone());
            }
            Value::String(_) => f.error(&path, format!("values are at most {METADATA_MAX_VALUE_CHARS} characters")),
            _ => f.error(&path, "values must be strings"),
        }
    }
    out
}
