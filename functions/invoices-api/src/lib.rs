//! Invoices routes: create, get, patch a draft, list, finalize, void,
//! mark uncollectible, send, what the customer says (dispute, resolve,
//! promise to pay), timeline.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::Authenticator;
use o2c_api::fields::object_body;
use o2c_api::idempotent::{self, receipt_for};
use o2c_api::invoice_json::{parse_action_body, parse_customer_word, parse_draft_patch, parse_invoice_filter, parse_new_invoice, render_invoice, render_timeline};
use o2c_api::page::{page_request, render_page};
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::{self, no_receipt, Closure, Context};
use o2c_domain::api_key::Scope;
use o2c_domain::clock::Clock;
use o2c_domain::ids::InvoiceId;
use o2c_domain::ports::{ApiKeyRead, CustomerRead, IdempotencyStore, InvoiceList, InvoiceNumbering, InvoiceRead, InvoiceWrite, TimelineRead};

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &[
    "POST /v1/invoices",
    "GET /v1/invoices",
    "GET /v1/invoices/{id}",
    "PATCH /v1/invoices/{id}",
    "POST /v1/invoices/{id}/finalize",
    "POST /v1/invoices/{id}/void",
    "POST /v1/invoices/{id}/mark_uncollectible",
    "POST /v1/invoices/{id}/send",
    "POST /v1/invoices/{id}/dispute",
    "POST /v1/invoices/{id}/resolve",
    "POST /v1/invoices/{id}/promise",
    "GET /v1/invoices/{id}/events",
];

pub struct Handler<S> {
    store: S,
    auth: Authenticator<S>,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

impl<S> Handler<S>
where
    S: CustomerRead + InvoiceRead + InvoiceWrite + InvoiceList + InvoiceNumbering + TimelineRead + IdempotencyStore + ApiKeyRead + Clone,
{
    pub fn new(store: S, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { auth: Authenticator::new(store.clone()), store, settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        let ctx = Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone())).with_holidays(self.settings.holidays.clone());
        match req.route_key.as_str() {
            "POST /v1/invoices" => {
                let principal = self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |claim| async {
                    let new = parse_new_invoice(&object_body(&req.body)?)?;
                    let receipt = receipt_for(claim, 201, render_invoice);
                    let id = InvoiceId::from_ulid(ulid::Ulid::new());
                    let invoice = actions::create_invoice(&self.store, &ctx, id, new.customer, new.draft, actions::Creation { finalize: new.finalize, override_credit_hold: new.override_credit_hold }, &receipt).await?;
                    Ok(ok_json(201, &render_invoice(&invoice.value)))
                })
                .await
            }
            "GET /v1/invoices" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let page = page_request(&req, &["customer", "status"], |c| InvoiceId::parse(c).is_ok())?;
                let filter = parse_invoice_filter(&req.query)?;
                let found = self.store.list_invoices(&filter, &page).await?;
                Ok(ok_json(200, &render_page(&found, render_invoice)))
            }
            "GET /v1/invoices/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let invoice = self.store.invoice(invoice_id(&req)?).await?.ok_or(ApiError::NotFound("invoice"))?;
                Ok(ok_json(200, &render_invoice(&invoice.value)))
            }
            "PATCH /v1/invoices/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                req.require_json()?;
                let id = invoice_id(&req)?;
                let patch = parse_draft_patch(&object_body(&req.body)?)?;
                let invoice = actions::update_draft(&self.store, &ctx, id, &|current| patch.apply(current), &no_receipt).await?;
                Ok(ok_json(200, &render_invoice(&invoice.value)))
            }
            "POST /v1/invoices/{id}/finalize" | "POST /v1/invoices/{id}/void" | "POST /v1/invoices/{id}/mark_uncollectible" | "POST /v1/invoices/{id}/send" => {
                let principal = self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                let id = invoice_id(&req)?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |claim| async {
                    // Refuse what the action does not understand.
                    let override_credit_hold = parse_action_body(&object_body(&req.body)?, req.route_key.ends_with("/finalize"))?;
                    let receipt = receipt_for(claim, 200, render_invoice);
                    let invoice = match req.route_key.as_str() {
                        "POST /v1/invoices/{id}/finalize" => actions::finalize_invoice(&self.store, &ctx, id, override_credit_hold, &receipt).await?,
                        "POST /v1/invoices/{id}/void" => actions::close_invoice(&self.store, &ctx, id, Closure::Void, &receipt).await?,
                        "POST /v1/invoices/{id}/send" => actions::request_send(&self.store, &ctx, id, &receipt).await?,
                        _ => actions::close_invoice(&self.store, &ctx, id, Closure::MarkUncollectible, &receipt).await?,
                    };
                    Ok(ok_json(200, &render_invoice(&invoice.value)))
                })
                .await
            }
            "POST /v1/invoices/{id}/dispute" | "POST /v1/invoices/{id}/resolve" | "POST /v1/invoices/{id}/promise" => {
                let principal = self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                let id = invoice_id(&req)?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |claim| async {
                    let says = parse_customer_word(&req.route_key, &object_body(&req.body)?)?;
                    let receipt = receipt_for(claim, 200, render_invoice);
                    let invoice = actions::record_customer_word(&self.store, &ctx, id, says, &receipt).await?;
                    Ok(ok_json(200, &render_invoice(&invoice.value)))
                })
                .await
            }
            "GET /v1/invoices/{id}/events" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let id = invoice_id(&req)?;
                if self.store.invoice(id).await?.is_none() {
                    return Err(ApiError::NotFound("invoice"));
                }
                Ok(ok_json(200, &render_timeline(&self.store.timeline(id).await?)))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }
}

fn invoice_id(req: &ApiRequest) -> Result<InvoiceId, ApiError> {
    InvoiceId::parse(req.path("id")).map_err(|_| ApiError::NotFound("invoice"))
}
