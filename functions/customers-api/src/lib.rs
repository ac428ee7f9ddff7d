//! Customers routes: `POST /v1/customers`, `GET /v1/customers/{id}`.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::auth::{ApiKeys, Scope};
use o2c_api::customer_json::{parse_new_customer, render_customer};
use o2c_api::fields::object_body;
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::{self, Context};
use o2c_domain::clock::Clock;
use o2c_domain::ids::CustomerId;
use o2c_domain::ports::{CustomerCreate, CustomerRead};

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &["POST /v1/customers", "GET /v1/customers/{id}"];

pub struct Handler<S> {
    store: S,
    keys: ApiKeys,
    settings: Settings,
    clock: Arc<dyn Clock>,
}

impl<S: CustomerCreate + CustomerRead> Handler<S> {
    pub fn new(store: S, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self { store, keys: ApiKeys::parse(&settings.api_keys), settings, clock }
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        match req.route_key.as_str() {
            "POST /v1/customers" => {
                self.keys.authorize(&req, Scope::InvoicesWrite)?;
                req.require_json()?;
                let body = object_body(&req.body)?;
                let ctx = self.context(&req);
                let customer = parse_new_customer(&body, CustomerId::from_ulid(ulid::Ulid::new()), ctx.now())?;
                let customer = actions::create_customer(&self.store, &ctx, customer).await?;
                Ok(ok_json(201, &render_customer(&customer)))
            }
            "GET /v1/customers/{id}" => {
                self.keys.authorize(&req, Scope::InvoicesRead)?;
                let id = CustomerId::parse(req.path("id")).map_err(|_| ApiError::NotFound("customer"))?;
                let customer = self.store.customer(id).await?.ok_or(ApiError::NotFound("customer"))?;
                Ok(ok_json(200, &render_customer(&customer)))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    fn context(&self, req: &ApiRequest) -> Context {
        Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone()))
    }
}
