//! Invoices routes: create, get, finalize, timeline.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::{ApiKeys, Scope};
use o2c_api::fields::object_body;
use o2c_api::invoice_json::{parse_new_invoice, render_invoice, render_timeline};
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::{self, Context};
use o2c_domain::clock::Clock;
use o2c_domain::ids::InvoiceId;
use o2c_domain::ports::{CustomerRead, InvoiceNumbering, InvoiceRead, InvoiceWrite, TimelineRead};

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &["POST /v1/invoices", "GET /v1/invoices/{id}", "POST /v1/invoices/{id}/finalize", "GET /v1/invoices/{id}/events"];

pub struct Handler<S> {
    store: S,
    keys: ApiKeys,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

impl<S: CustomerRead + InvoiceRead + InvoiceWrite + InvoiceNumbering + TimelineRead> Handler<S> {
    pub fn new(store: S, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { store, keys: ApiKeys::parse(&settings.api_keys), settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        match req.route_key.as_str() {
            "POST /v1/invoices" => {
                self.keys.authorize(&req, Scope::InvoicesWrite)?;
                req.require_json()?;
                let new = parse_new_invoice(&object_body(&req.body)?)?;
                let ctx = self.context(&req);
                let id = InvoiceId::from_ulid(ulid::Ulid::new());
                let invoice = actions::create_invoice(&self.store, &ctx, id, new.customer, new.draft, new.finalize).await?;
                Ok(ok_json(201, &render_invoice(&invoice.value)))
            }
            "GET /v1/invoices/{id}" => {
                self.keys.authorize(&req, Scope::InvoicesRead)?;
                let id = invoice_id(&req)?;
                let invoice = self.store.invoice(id).await?.ok_or(ApiError::NotFound("invoice"))?;
                Ok(ok_json(200, &render_invoice(&invoice.value)))
            }
            "POST /v1/invoices/{id}/finalize" => {
                self.keys.authorize(&req, Scope::InvoicesWrite)?;
                let id = invoice_id(&req)?;
                let invoice = actions::finalize_invoice(&self.store, &self.context(&req), id).await?;
                Ok(ok_json(200, &render_invoice(&invoice.value)))
            }
            "GET /v1/invoices/{id}/events" => {
                self.keys.authorize(&req, Scope::InvoicesRead)?;
                let id = invoice_id(&req)?;
                if self.store.invoice(id).await?.is_none() {
                    return Err(ApiError::NotFound("invoice"));
                }
                Ok(ok_json(200, &render_timeline(&self.store.timeline(id).await?)))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    fn context(&self, req: &ApiRequest) -> Context {
        Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone()))
    }
}

fn invoice_id(req: &ApiRequest) -> Result<InvoiceId, ApiError> {
    InvoiceId::parse(req.path("id")).map_err(|_| ApiError::NotFound("invoice"))
}
