//! A fault-injecting HTTP proxy between the AWS SDK and DynamoDB Local.
//!
//! DynamoDB Local applies transactions one at a time and never answers with
//! `TransactionConflict`, throttling or a 5xx, so a race test run straight
//! against it proves little. Put this proxy in front of it and it answers,
//! at configured and seeded rates, the way real DynamoDB does when things
//! go wrong; everything else is forwarded unchanged.
//!
//! Per request, in this order: read the whole request, take the operation
//! from `x-amz-target`, draw one number from the seeded generator and map
//! it onto the [`FaultRates`] bands. The faults:
//!
//! - conflict (`TransactWriteItems` only): HTTP 400 `TransactionCanceledException`
//!   with one cancellation reason per item; not forwarded.
//! - throttle: HTTP 400 `ThrottlingException`; not forwarded.
//! - server_error: HTTP 500 `InternalServerError`; not forwarded.
//! - timeout: not forwarded; the connection is held for [`TIMEOUT_HOLD`]
//!   (or until the client gives up), then closed without an answer.
//! - lost_response: forwarded and applied, then the connection is closed
//!   without an answer. This is the case that makes `ClientRequestToken`
//!   and idempotent writes matter.
//!
//! `GET /_faults` and `POST /_faults` are answered by the proxy itself (see
//! [`FaultProxy::set_rates`]) and never forwarded.

mod fault;
mod rng;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinSet};

pub use fault::FaultRates;
use fault::Fault;
use rng::SplitMix64;

/// How long a `timeout` fault holds a connection before closing it. Longer
/// than any sane SDK attempt timeout, so the client is the one giving up.
pub const TIMEOUT_HOLD: Duration = Duration::from_secs(30);

/// The path of the proxy's own control endpoint.
pub const CONTROL_PATH: &str = "/_faults";

/// How many requests met each outcome since the proxy started.
///
/// `forwarded` counts requests answered by DynamoDB Local through the proxy;
/// a `lost_response` reached DynamoDB Local too but is counted only there.
/// `upstream_failed` counts requests DynamoDB Local could not be reached for
/// (answered 502, which the SDK retries as a transient error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct InjectedCounts {
    pub conflict: u64,
    pub throttle: u64,
    pub server_error: u64,
    pub timeout: u64,
    pub lost_response: u64,
    pub forwarded: u64,
    pub upstream_failed: u64,
}

/// A running proxy. Dropping it stops accepting and aborts every open
/// connection (a held `timeout` included); in-flight `lost_response`
/// forwards still finish, so their writes land either way.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    server: AbortHandle,
}

impl FaultProxy {
    /// Binds 127.0.0.1 on a free port and spawns the server on the current
    /// tokio runtime. `upstream` is DynamoDB Local's base URL, e.g.
    /// `http://127.0.0.1:8000`; `seed` makes the fault sequence replayable.
    pub async fn start(upstream: &str, rates: FaultRates, seed: u64) -> std::io::Result<FaultProxy> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), upstream, rates, seed).await
    }

    /// [`FaultProxy::start`] on a given address (port 0 for a free one).
    /// Fails with `InvalidInput` for an upstream that is not `http://host:port`
    /// or rates outside `0.0..=1.0`.
    pub async fn start_on(listen: SocketAddr, upstream: &str, rates: FaultRates, seed: u64) -> std::io::Result<FaultProxy> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        let upstream = parse_upstream(upstream).map_err(invalid)?;
        rates.validate().map_err(invalid)?;
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            upstream,
            client: Client::builder(TokioExecutor::new()).build_http(),
            rates: RwLock::new(rates),
            rng: SplitMix64::new(seed),
            counts: Counts::default(),
        });
        let server = tokio::spawn(serve(listener, state.clone())).abort_handle();
        Ok(FaultProxy { addr, state, server })
    }

    /// The URL to give the SDK as its endpoint: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the proxy listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the rates; the next request decided uses them. Rates outside
    /// `0.0..=1.0` are clamped (NaN becomes 0) rather than refused, so a test
    /// cannot leave the proxy in its previous state by mistake.
    pub fn set_rates(&self, rates: FaultRates) {
        self.state.set_rates(clamped(rates));
    }

    /// The rates in force.
    pub fn rates(&self) -> FaultRates {
        self.state.rates()
    }

    /// How many of each fault were injected, and how many requests forwarded.
    pub fn injected(&self) -> InjectedCounts {
        self.state.counts.snapshot()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn clamped(r: FaultRates) -> FaultRates {
    let c = |v: f64| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    FaultRates {
        conflict: c(r.conflict),
        throttle: c(r.throttle),
        server_error: c(r.server_error),
        timeout: c(r.timeout),
        lost_response: c(r.lost_response),
    }
}

/// Scheme and authority of the upstream; the request's own path and query
/// are appended to it. Only plain HTTP: DynamoDB Local serves nothing else.
fn parse_upstream(upstream: &str) -> Result<Uri, String> {
    let uri: Uri = upstream.parse().map_err(|e| format!("upstream {upstream:?}: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err(format!("upstream {upstream:?} must look like http://host:port"));
    }
    Ok(uri)
}

type ProxyBody = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

struct State {
    upstream: Uri,
    client: Client<HttpConnector, Full<Bytes>>,
    rates: RwLock<FaultRates>,
    rng: SplitMix64,
    counts: Counts,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("upstream", &self.upstream).field("rates", &self.rates()).finish_non_exhaustive()
    }
}

impl State {
    fn rates(&self) -> FaultRates {
        // A poisoned lock still holds a valid Copy value; keep serving.
        *self.rates.read().unwrap_or_else(|e| e.into_inner())
    }

    fn set_rates(&self, rates: FaultRates) {
        *self.rates.write().unwrap_or_else(|e| e.into_inner()) = rates;
    }
}

#[derive(Debug, Default)]
struct Counts {
    conflict: AtomicU64,
    throttle: AtomicU64,
    server_error: AtomicU64,
    timeout: AtomicU64,
    lost_response: AtomicU64,
    forwarded: AtomicU64,
    upstream_failed: AtomicU64,
}

impl Counts {
    fn fault(&self, fault: Fault) -> &AtomicU64 {
        match fault {
            Fault::Conflict => &self.conflict,
            Fault::Throttle => &self.throttle,
            Fault::ServerError => &self.server_error,
            Fault::Timeout => &self.timeout,
            Fault::LostResponse => &self.lost_response,
        }
    }

    fn snapshot(&self) -> InjectedCounts {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        InjectedCounts {
            conflict: get(&self.conflict),
            throttle: get(&self.throttle),
            server_error: get(&self.server_error),
            timeout: get(&self.timeout),
            lost_response: get(&self.lost_response),
            forwarded: get(&self.forwarded),
            upstream_failed: get(&self.upstream_failed),
        }
    }
}

/// The accept loop. Connections live in a JoinSet owned by this task, so
/// aborting it (dropping the proxy) aborts them all too.
async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, don't spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                        // Every fault that closes a connection ends here on purpose.
                        tracing::trace!(error = %e, "connection closed");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Returned by the service to make hyper close the connection without
/// writing any response: the only way to lose an answer on purpose.
#[derive(Debug)]
struct CloseWithoutAnswer(&'static str);

impl std::fmt::Display for CloseWithoutAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "closed without an answer: {}", self.0)
    }
}

impl std::error::Error for CloseWithoutAnswer {}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<ProxyBody>, CloseWithoutAnswer> {
    if req.uri().path() == CONTROL_PATH {
        return Ok(control(&state, req).await);
    }
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(CloseWithoutAnswer("the request body did not arrive")),
    };
    let operation = fault::operation(parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok())).to_owned();
    let items = if operation == "TransactWriteItems" { fault::transact_item_count(&body) } else { 0 };

    // Exactly one draw per request, whatever the outcome, so a seed replays
    // the same faults for the same sequence of requests.
    let draw = state.rng.next_unit();
    let decided = fault::decide(&state.rates(), items > 0, draw);
    if let Some(f) = decided {
        state.counts.fault(f).fetch_add(1, Ordering::Relaxed);
        tracing::debug!(fault = f.name(), operation = operation.as_str(), "injecting fault");
    }
    match decided {
        Some(Fault::Conflict) => Ok(dynamodb_error(StatusCode::BAD_REQUEST, fault::cancellation_body(items))),
        Some(Fault::Throttle) => Ok(dynamodb_error(StatusCode::BAD_REQUEST, fault::throttling_body())),
        Some(Fault::ServerError) => Ok(dynamodb_error(StatusCode::INTERNAL_SERVER_ERROR, fault::server_error_body())),
        Some(Fault::Timeout) => {
            // hyper drops this future when the client closes its end, so the
            // hold ends early once the SDK gives up.
            tokio::time::sleep(TIMEOUT_HOLD).await;
            Err(CloseWithoutAnswer("timeout"))
        }
        Some(Fault::LostResponse) => {
            // The forward runs in its own task so that the write completes
            // even if the client hangs up meanwhile; only the answer is lost.
            let upstream = upstream_request(&state.upstream, parts, body);
            let client = state.client.clone();
            let applied = tokio::spawn(async move {
                let response = client.request(upstream).await.map_err(|e| e.to_string())?;
                let status = response.status();
                response.into_body().collect().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(status)
            });
            match applied.await {
                Ok(Ok(status)) => tracing::debug!(operation = operation.as_str(), %status, "lost the upstream answer"),
                Ok(Err(e)) => tracing::debug!(operation = operation.as_str(), error = e.as_str(), "lost response: upstream failed"),
                Err(e) => tracing::debug!(operation = operation.as_str(), error = %e, "lost response: forward task failed"),
            }
            Err(CloseWithoutAnswer("lost response"))
        }
        None => Ok(forward(&state, parts, body, &operation).await),
    }
}

async fn forward(state: &State, parts: hyper::http::request::Parts, body: Bytes, operation: &str) -> Response<ProxyBody> {
    match state.client.request(upstream_request(&state.upstream, parts, body)).await {
        Ok(response) => {
            state.counts.forwarded.fetch_add(1, Ordering::Relaxed);
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            // Streamed back as it arrives; status and headers untouched.
            Response::from_parts(parts, body.map_err(Into::into).boxed())
        }
        Err(e) => {
            state.counts.upstream_failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(operation, upstream = %state.upstream, error = %e, "upstream unreachable");
            let mut response = Response::new(full(format!("fault proxy: upstream {} unreachable: {e}\n", state.upstream)));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            response
        }
    }
}

/// The same request, aimed at the upstream. Headers are kept as sent,
/// `Host` included: SigV4 signs it, and although DynamoDB Local does not
/// check signatures, a byte-identical request is the honest thing to send.
/// Only hop-by-hop headers go; hyper sets the framing for the known body.
fn upstream_request(upstream: &Uri, parts: hyper::http::request::Parts, body: Bytes) -> Request<Full<Bytes>> {
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let uri = format!("{}://{}{}", upstream.scheme_str().unwrap_or("http"), upstream.authority().map(|a| a.as_str()).unwrap_or(""), path);
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = parts.method;
    *request.uri_mut() = uri.parse().unwrap_or_else(|_| upstream.clone());
    *request.headers_mut() = parts.headers;
    strip_hop_by_hop(request.headers_mut());
    if !request.headers().contains_key(HOST) {
        if let Some(authority) = upstream.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
            request.headers_mut().insert(HOST, authority);
        }
    }
    request
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    const HOP_BY_HOP: [&str; 8] =
        ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"];
    for name in HOP_BY_HOP {
        headers.remove(HeaderName::from_static(name));
    }
}

fn full(body: impl Into<Bytes>) -> ProxyBody {
    Full::new(body.into()).map_err(|e: Infallible| match e {}).boxed()
}

/// An error answer as DynamoDB sends it: awsJson1.0 content type, a request
/// id (the SDK reports it), and the `__type` the SDK maps to an error variant.
fn dynamodb_error(status: StatusCode, body: String) -> Response<ProxyBody> {
    let len = body.len();
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert("x-amzn-requestid", HeaderValue::from_static("O2CFAULTPROXYINJECTEDFAULT0000000000000000000000000"));
    response
}

/// `GET /_faults`: rates and counts. `POST /_faults` with a [`FaultRates`]
/// JSON body: replaces the rates (missing fields are 0) and answers like GET.
async fn control(state: &State, req: Request<Incoming>) -> Response<ProxyBody> {
    let method = req.method().clone();
    if method == Method::POST {
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return control_error(format!("reading the body: {e}")),
        };
        let rates: FaultRates = match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return control_error(format!("body is not fault rates: {e}")),
        };
        if let Err(e) = rates.validate() {
            return control_error(e);
        }
        state.set_rates(rates);
        tracing::info!(?rates, "fault rates changed");
    } else if method != Method::GET {
        let mut response = control_error(format!("{method} {CONTROL_PATH}: only GET and POST"));
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return response;
    }
    let status = serde_json::json!({"rates": state.rates(), "injected": state.counts.snapshot()});
    json_response(StatusCode::OK, status.to_string())
}

fn control_error(message: String) -> Response<ProxyBody> {
    json_response(StatusCode::BAD_REQUEST, serde_json::json!({"error": message}).to_string())
}

fn json_response(status: StatusCode, body: String) -> Response<ProxyBody> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
