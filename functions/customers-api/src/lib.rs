//! Customers routes: create, get, patch, list, and the customer's dunning
//! policy (its reminder steps).

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::Authenticator;
use o2c_api::customer_json::{parse_customer_patch, parse_new_customer, render_customer};
use o2c_api::dunning_json::{parse_dunning_policy, render_dunning_policy};
use o2c_api::fields::object_body;
use o2c_api::idempotent::{self, receipt_for};
use o2c_api::page::{page_request, render_page};
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::{self, no_receipt, Context};
use o2c_domain::api_key::Scope;
use o2c_domain::clock::Clock;
use o2c_domain::ids::CustomerId;
use o2c_domain::ports::{ApiKeyRead, CustomerList, CustomerRead, CustomerWrite, IdempotencyStore};

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &["POST /v1/customers", "GET /v1/customers/{id}", "PATCH /v1/customers/{id}", "GET /v1/customers", "PUT /v1/customers/{id}/dunning-policy"];

pub struct Handler<S> {
    store: S,
    auth: Authenticator<S>,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

impl<S: CustomerWrite + CustomerRead + CustomerList + IdempotencyStore + ApiKeyRead + Clone> Handler<S> {
    pub fn new(store: S, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { auth: Authenticator::new(store.clone()), store, settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        let ctx = Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone()));
        match req.route_key.as_str() {
            "POST /v1/customers" => {
                let principal = self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                req.require_json()?;
                idempotent::run(&self.store, &req, &principal, ctx.now(), |claim| async {
                    let customer = parse_new_customer(&object_body(&req.body)?, CustomerId::from_ulid(ulid::Ulid::new()), ctx.now())?;
                    let receipt = receipt_for(claim, 201, render_customer);
                    let created = actions::create_customer(&self.store, &ctx, customer, &receipt).await?;
                    Ok(ok_json(201, &render_customer(&created.value)))
                })
                .await
            }
            "GET /v1/customers/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let customer = self.store.customer(customer_id(&req)?).await?.ok_or(ApiError::NotFound("customer"))?;
                Ok(ok_json(200, &render_customer(&customer.value)))
            }
            "PATCH /v1/customers/{id}" => {
                self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                req.require_json()?;
                let id = customer_id(&req)?;
                let patch = parse_customer_patch(&object_body(&req.body)?)?;
                let updated = actions::update_customer(&self.store, &ctx, id, &|c| patch.apply(c), &no_receipt).await?;
                Ok(ok_json(200, &render_customer(&updated.value)))
            }
            "PUT /v1/customers/{id}/dunning-policy" => {
                self.auth.authorize(&req, Scope::InvoicesWrite).await?;
                req.require_json()?;
                let id = customer_id(&req)?;
                let policy = parse_dunning_policy(&object_body(&req.body)?)?;
                let updated = actions::update_customer(
                    &self.store,
                    &ctx,
                    id,
                    &|c| {
                        c.dunning_policy = Some(policy.clone());
                        Ok(())
                    },
                    &no_receipt,
                )
                .await?;
                Ok(ok_json(200, &render_dunning_policy(&updated.value.dunning_policy())))
            }
            "GET /v1/customers" => {
                self.auth.authorize(&req, Scope::InvoicesRead).await?;
                let page = page_request(&req, &[], |c| CustomerId::parse(c).is_ok())?;
                let found = self.store.list_customers(&page).await?;
                Ok(ok_json(200, &render_page(&found, render_customer)))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }
}

fn customer_id(req: &ApiRequest) -> Result<CustomerId, ApiError> {
    CustomerId::parse(req.path("id")).map_err(|_| ApiError::NotFound("customer"))
}
