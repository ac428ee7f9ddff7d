use o2c_e2e::Api;
use serde_json::json;

#[tokio::test]
async fn a_request_without_a_valid_key_is_refused_with_problem_json() {
    let api = Api::new();
    for key in [None, Some("sk_wrong")] {
        let a = api.send("GET", "/v1/customers/cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", None, key).await;
        assert_eq!(a.status, 401);
        assert_eq!(a.content_type, "application/problem+json");
        assert_eq!(a.body["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn invalid_input_lists_every_bad_field_and_stores_nothing() {
    let api = Api::new();
    let a = api.post("/v1/customers", json!({"email": "not-an-email", "currency": "EURO", "time_zone": "Mars/Base"})).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.content_type, "application/problem+json");
    let fields: Vec<&str> = a.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["name", "email", "currency", "time_zone"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }

    let customer = api.create_customer("USD").await;
    let a = api
        .post("/v1/invoices", json!({"customer": customer, "currency": "EUR", "lines": [{"description": "x", "quantity": "1", "unit_amount": "1.1234567"}]}))
        .await;
    assert_eq!(a.status, 422, "{:?}", a.body);
    assert_eq!(a.body["errors"][0]["field"], "lines[0].unit_amount");
}

#[tokio::test]
async fn malformed_json_is_a_400_never_a_5xx() {
    let api = Api::new();
    for body in ["{", "[]", "{\"name\": }", "\u{0}"] {
        let a = api.send("POST", "/v1/customers", Some(body), Some(&api.key)).await;
        assert_eq!(a.status, 400, "{body:?}: {:?}", a.body);
        assert_eq!(a.body["code"], "malformed_json");
    }
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404() {
    let api = Api::new();
    let a = api.get("/v1/invoices/inv_01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["code"], "not_found");
    let a = api.get("/v1/invoices/not-an-id").await;
    assert_eq!(a.status, 404);
    let a = api.get("/v1/nothing-here").await;
    assert_eq!(a.status, 404);
    let a = api.post("/v1/invoices", json!({"customer": "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", "lines": [{"description": "x", "quantity": "1", "unit_amount": "1"}]})).await;
    assert_eq!(a.status, 404, "an invoice for an unknown customer: {:?}", a.body);
}
