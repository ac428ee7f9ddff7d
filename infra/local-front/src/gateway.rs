//! HTTP in front of the API handlers, the way API Gateway's HTTP API
//! (payload 2.0) does it: match the route key, fill path parameters,
//! base64-encode non-text bodies, and answer `{"message":"Not Found"}` for
//! unknown routes. Also serves the local-only `/_local/*` controls.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription};
use aws_lambda_events::encodings::Body as EventBody;
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::catalogue::{ApiFn, Handler};
use crate::time_travel::TimeTravel;

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

#[derive(Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    segments: Vec<Segment>,
    handler: ApiFn,
}

impl Route {
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn matches(&self, method: &str, path: &str) -> Option<HashMap<String, String>> {
        if self.method != method && self.method != "ANY" {
            return None;
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut params = HashMap::new();
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Greedy(name) => {
                    let rest = parts.get(i..)?.join("/");
                    if rest.is_empty() {
                        return None;
                    }
                    params.insert(name.clone(), rest);
                    return Some(params);
                }
                Segment::Literal(l) => {
                    if parts.get(i) != Some(&l.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let v = parts.get(i).filter(|v| !v.is_empty())?;
                    params.insert(name.clone(), percent_decode(v));
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// API Gateway prefers the most specific route: more literal segments.
    fn specificity(&self) -> usize {
        self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
    }
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_segments(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => Segment::Greedy(name.trim_end_matches('+').to_owned()),
            Some(name) => Segment::Param(name.to_owned()),
            None => Segment::Literal(s.to_owned()),
        })
        .collect()
}

pub struct Front {
    routes: Vec<Route>,
    pub travel: Arc<TimeTravel>,
    pub health: Arc<dyn Fn() -> crate::catalogue::BoxFuture<bool> + Send + Sync>,
}

#[derive(Debug, thiserror::Error)]
#[error("route {0} names function {1}, which has no API handler")]
pub struct RouteError(String, String);

impl Front {
    pub fn new(
        template_routes: &[(String, String, String)],
        handlers: &BTreeMap<&'static str, Handler>,
        travel: Arc<TimeTravel>,
        health: Arc<dyn Fn() -> crate::catalogue::BoxFuture<bool> + Send + Sync>,
    ) -> Result<Self, RouteError> {
        let mut routes = Vec::new();
        for (method, path, function) in template_routes {
            let Some(Handler::Api(handler)) = handlers.get(function.as_str()) else {
                return Err(RouteError(format!("{method} {path}"), function.clone()));
            };
            routes.push(Route { method: method.clone(), path: path.clone(), segments: parse_segments(path), handler: handler.clone() });
        }
        routes.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
        Ok(Self { routes, travel, health })
    }

    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return Ok(plain(StatusCode::PAYLOAD_TOO_LARGE, json!({"message": "Request Entity Too Large"}))),
        };
        let path = parts.uri.path().to_owned();
        if parts.method == hyper::Method::GET && (path == "/openapi.yaml" || path == "/openapi.json") {
            return Ok(openapi(path.ends_with(".json")));
        }
        if let Some(local) = path.strip_prefix("/_local/") {
            return Ok(self.local(parts.method.as_str(), local, &body).await);
        }
        let method = parts.method.as_str().to_owned();
        let found = self.routes.iter().find_map(|r| r.matches(&method, &path).map(|p| (r, p)));
        let Some((route, params)) = found else {
            return Ok(plain(StatusCode::NOT_FOUND, json!({"message": "Not Found"})));
        };
        let event = gateway_event(route, params, &parts, &body);
        let response = (route.handler)(event).await;
        Ok(to_http(response))
    }

    async fn local(&self, method: &str, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
        match (method, path) {
            ("GET", "health") => {
                if (self.health)().await {
                    plain(StatusCode::OK, json!({"status": "ok"}))
                } else {
                    plain(StatusCode::SERVICE_UNAVAILABLE, json!({"status": "starting"}))
                }
            }
            ("GET", "time") => plain(StatusCode::OK, json!({"now": self.travel.clock.now()})),
            ("POST", "time-travel") => {
                let to = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| v.get("to").and_then(Value::as_str).map(str::to_owned))
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
                    .map(|t| t.with_timezone(&chrono::Utc));
                let Some(to) = to else {
                    return plain(StatusCode::BAD_REQUEST, json!({"message": "send {\"to\": \"<RFC 3339 instant>\"}"}));
                };
                match self.travel.travel(to).await {
                    Ok(answer) => plain(StatusCode::OK, answer),
                    Err(message) => plain(StatusCode::BAD_REQUEST, json!({"message": message})),
                }
            }
            _ => plain(StatusCode::NOT_FOUND, json!({"message": "Not Found"})),
        }
    }
}

/// The API's OpenAPI 3.1 document, as built into this binary.
const OPENAPI_YAML: &str = include_str!("../../../shared/api/openapi.yaml");

fn openapi(as_json: bool) -> Response<Full<Bytes>> {
    if !as_json {
        let mut r = Response::new(Full::new(Bytes::from_static(OPENAPI_YAML.as_bytes())));
        r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/yaml"));
        return r;
    }
    match serde_yaml_ng::from_str::<Value>(OPENAPI_YAML) {
        Ok(doc) => plain(StatusCode::OK, doc),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, json!({"message": format!("openapi.yaml does not parse: {e}")})),
    }
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/") || ct.contains("json") || ct.contains("xml") || ct.contains("x-www-form-urlencoded") || ct.contains("javascript")
}

fn gateway_event(route: &Route, params: HashMap<String, String>, parts: &hyper::http::request::Parts, body: &Bytes) -> ApiGatewayV2httpRequest {
    let mut headers = aws_lambda_events::http::HeaderMap::new();
    for (name, value) in &parts.headers {
        // API Gateway joins repeated headers with commas.
        if let Some(existing) = headers.get(name.as_str()).and_then(|v: &aws_lambda_events::http::HeaderValue| v.to_str().ok()).map(str::to_owned) {
            if let Ok(joined) = aws_lambda_events::http::HeaderValue::from_str(&format!("{existing},{}", value.to_str().unwrap_or(""))) {
                headers.insert(name.clone(), joined);
            }
        } else {
            headers.insert(name.clone(), value.clone());
        }
    }
    let content_type = parts.headers.get("content-type").and_then(|v| v.to_str().ok());
    let (body_text, base64) = if body.is_empty() {
        (None, false)
    } else if is_text(content_type) && std::str::from_utf8(body).is_ok() {
        (Some(String::from_utf8_lossy(body).into_owned()), false)
    } else {
        (Some(base64::engine::general_purpose::STANDARD.encode(body)), true)
    };
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.request_id = Some(ulid::Ulid::new().to_string());
    ctx.route_key = Some(route.route_key());
    ctx.stage = Some("$default".into());
    ctx.time_epoch = chrono::Utc::now().timestamp_millis();
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = parts.method.clone();
    http.path = Some(parts.uri.path().to_owned());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some("127.0.0.1".into());
    ctx.http = http;

    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some(route.route_key());
    event.raw_path = Some(parts.uri.path().to_owned());
    event.raw_query_string = Some(raw_query.clone());
    event.query_string_parameters = raw_query.parse().unwrap_or_default();
    event.headers = headers;
    event.path_parameters = params;
    event.request_context = ctx;
    event.body = body_text;
    event.is_base64_encoded = base64;
    event
}

fn to_http(r: aws_lambda_events::apigw::ApiGatewayV2httpResponse) -> Response<Full<Bytes>> {
    let body = match r.body {
        Some(EventBody::Text(t)) if r.is_base64_encoded => base64::engine::general_purpose::STANDARD.decode(t.as_bytes()).unwrap_or_default(),
        Some(EventBody::Text(t)) => t.into_bytes(),
        Some(EventBody::Binary(b)) => b,
        _ => Vec::new(),
    };
    let mut out = Response::new(Full::new(Bytes::from(body)));
    *out.status_mut() = StatusCode::from_u16(u16::try_from(r.status_code).unwrap_or(502)).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in &r.headers {
        out.headers_mut().insert(k.clone(), v.clone());
    }
    out
}

fn plain(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Route {
        let handler: ApiFn = Arc::new(|_| Box::pin(async { Default::default() }));
        Route { method: method.into(), path: path.into(), segments: parse_segments(path), handler }
    }

    #[test]
    fn path_parameters_are_filled_like_api_gateway() {
        let r = route("POST", "/v1/invoices/{id}/finalize");
        assert_eq!(r.matches("POST", "/v1/invoices/inv_1/finalize").unwrap()["id"], "inv_1");
        assert!(r.matches("GET", "/v1/invoices/inv_1/finalize").is_none());
        assert!(r.matches("POST", "/v1/invoices/inv_1").is_none());
        assert!(r.matches("POST", "/v1/invoices//finalize").is_none());
        let g = route("GET", "/files/{path+}");
        assert_eq!(g.matches("GET", "/files/a/b/c").unwrap()["path"], "a/b/c");
    }

    #[test]
    fn percent_encoded_parameters_are_decoded() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%e2%82%ac%Z"), "€%Z");
    }
}
