//! API Gateway HTTP API (payload v2) in and out. Handlers see an
//! [`ApiRequest`]: the route key API Gateway matched, path parameters,
//! headers, and the body bytes exactly as received (base64 undone).

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine;
use serde::Serialize;

use crate::ApiError;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub route_key: String,
    pub method: String,
    /// The path as the client sent it: part of "the same request" for
    /// Idempotency-Key.
    pub raw_path: String,
    pub path_parameters: std::collections::HashMap<String, String>,
    pub query: std::collections::HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Carried into every log line, outbox message and error answer.
    pub correlation_id: String,
}

impl ApiRequest {
    pub fn from_gateway(event: ApiGatewayV2httpRequest) -> Result<Self, ApiError> {
        let body = match event.body {
            None => Vec::new(),
            Some(b) if event.is_base64_encoded => base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|_| ApiError::MalformedJson("the body is not valid base64".into()))?,
            Some(b) => b.into_bytes(),
        };
        let header_id = event
            .headers
            .get("x-correlation-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map(str::to_owned);
        let correlation_id = header_id.or(event.request_context.request_id).unwrap_or_else(|| "unknown".into());
        let query = event.query_string_parameters.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Ok(Self {
            method: event.request_context.http.method.as_str().to_owned(),
            raw_path: event.raw_path.unwrap_or_default(),
            route_key: event.route_key.unwrap_or_default(),
            path_parameters: event.path_parameters,
            query,
            headers: event.headers,
            body,
            correlation_id,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn path(&self, name: &str) -> &str {
        self.path_parameters.get(name).map(String::as_str).unwrap_or("")
    }

    /// Refuses a body declared as something other than JSON.
    pub fn require_json(&self) -> Result<(), ApiError> {
        match self.header("content-type") {
            None => Ok(()),
            Some(ct) if ct.split(';').next().map(str::trim).is_some_and(|m| m.eq_ignore_ascii_case("application/json")) => Ok(()),
            Some(_) if self.body.is_empty() => Ok(()),
            Some(_) => Err(ApiError::UnsupportedMediaType),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiResponse {
    pub fn json_with_type<T: Serialize>(status: u16, value: &T, content_type: &'static str) -> Self {
        let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
        Self { status, content_type, body, headers: Vec::new() }
    }

    pub fn into_gateway(self, correlation_id: &str) -> ApiGatewayV2httpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static(self.content_type));
        if let Ok(v) = HeaderValue::from_str(correlation_id) {
            headers.insert("x-correlation-id", v);
        }
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(*name, v);
            }
        }
        let mut out = ApiGatewayV2httpResponse::default();
        out.status_code = i64::from(self.status);
        out.headers = headers;
        out.body = Some(Body::Text(self.body));
        out.is_base64_encoded = false;
        out
    }
}

/// Runs one API route: decodes the gateway event, calls `route`, and
/// encodes the answer; every error becomes problem+json here and nowhere
/// else.
pub async fn serve<F, Fut>(event: ApiGatewayV2httpRequest, route: F) -> ApiGatewayV2httpResponse
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: std::future::Future<Output = Result<ApiResponse, ApiError>>,
{
    let fallback_id = event.request_context.request_id.clone().unwrap_or_else(|| "unknown".into());
    let request = match ApiRequest::from_gateway(event) {
        Ok(r) => r,
        Err(e) => return e.into_response(&fallback_id).into_gateway(&fallback_id),
    };
    let correlation_id = request.correlation_id.clone();
    // Instrument, never enter: a guard held across an await lends the
    // span to whatever else the thread runs meanwhile.
    let span = tracing::info_span!("request", correlation_id = correlation_id.as_str(), route = request.route_key.as_str());
    match tracing::Instrument::instrument(route(request), span).await {
        Ok(response) => response.into_gateway(&correlation_id),
        Err(e) => e.into_response(&correlation_id).into_gateway(&correlation_id),
    }
}
