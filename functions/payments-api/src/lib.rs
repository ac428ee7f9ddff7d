//! Payments routes: record a payment received outside a processor (check,
//! bank transfer, cash…), read a payment with its allocations, and list a
//! customer's payments or the exceptions waiting for a decision.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::Authenticator;
use o2c_api::fields::object_body;
use o2c_api::idempotent::{self, receipt_for};
use o2c_api::page::{page_request, render_page};
use o2c_api::payment_json::{parse_new_payment, parse_payment_filter, render_payment};
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::Context;
use o2c_domain::api_key::Scope;
use o2c_domain::clock::Clock;
use o2c_domain::ids::PaymentId;
use o2c_domain::payment_actions;
use o2c_domain::ports::{ApiKeyRead, CustomerRead, IdempotencyStore, InvoiceList, InvoiceRead, PaymentList, PaymentRead, PaymentWrite};

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &["POST /v1/payments", "GET /v1/payments", "GET /v1/payments/{id}"];

pub struct Handler<S> {
    store: S,
    auth: Authenticator<S>,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

impl<S> Handler<S>
where
    S: CustomerRead + InvoiceRead + InvoiceList + PaymentRead + PaymentWrite + PaymentList + IdempotencyStore + ApiKeyRead + Clone,
{
    pub fn new(store: S, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { auth: Authenticator::new(store.clone()), store, settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        let ctx = Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone())).with_pause(o2c_api::backoff::jittered());
        match req.route_key.as_str() {
            "POST /v1/payments" => {
                let principal = self.auth.authorize(&req, Scope::PaymentsWrite).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |claim| async {
                    let request = parse_new_payment(&object_body(&req.body)?, ctx.now())?;
                    let receipt = receipt_for(claim, 201, render_payment);
                    let id = PaymentId::from_ulid(ulid::Ulid::new());
                    let payment = payment_actions::record_payment(&self.store, &ctx, id, &request, &receipt).await?;
                    Ok(ok_json(201, &render_payment(&payment.value)))
                })
                .await
            }
            "GET /v1/payments" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let page = page_request(&req, &["customer", "status"], |c| PaymentId::parse(c).is_ok())?;
                let filter = parse_payment_filter(&req.query)?;
                let found = self.store.list_payments(&filter, &page).await?;
                Ok(ok_json(200, &render_page(&found, render_payment)))
            }
            "GET /v1/payments/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let id = PaymentId::parse(req.path("id")).map_err(|_| ApiError::NotFound("payment"))?;
                let payment = self.store.payment(id).await?.ok_or(ApiError::NotFound("payment"))?;
                Ok(ok_json(200, &render_payment(&payment.value)))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }
}
