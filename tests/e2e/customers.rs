use o2c_e2e::Api;
use serde_json::json;

#[tokio::test]
async fn a_customer_is_patched_field_by_field() {
    let api = Api::new();
    let id = api.create_customer("EUR").await;
    let a = api.send("PATCH", &format!("/v1/customers/{id}"), Some(&json!({"name": "Acme AG", "locale": "de-de", "tax_id": "DE123456789", "metadata": {"crm": "42"}}).to_string()), Some(&api.key)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["name"], "Acme AG");
    assert_eq!(a.body["locale"], "de-DE");
    assert_eq!(a.body["email"], "ap@acme.example", "untouched fields stay");
    let a = api.send("PATCH", &format!("/v1/customers/{id}"), Some(&json!({"tax_id": null, "metadata": {"crm": ""}}).to_string()), Some(&api.key)).await;
    assert_eq!(a.body["tax_id"], serde_json::Value::Null);
    assert_eq!(a.body["metadata"], json!({}));
    let got = api.get(&format!("/v1/customers/{id}")).await;
    assert_eq!(got.body, a.body);
}

#[tokio::test]
async fn a_patch_cannot_change_the_currency_and_stores_nothing_when_invalid() {
    let api = Api::new();
    let id = api.create_customer("EUR").await;
    let a = api.send("PATCH", &format!("/v1/customers/{id}"), Some(&json!({"currency": "USD", "name": "Renamed"}).to_string()), Some(&api.key)).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["errors"][0]["field"], "currency");
    assert_eq!(api.get(&format!("/v1/customers/{id}")).await.body["name"], "Acme GmbH");
    let a = api.send("PATCH", &format!("/v1/customers/{id}"), Some(&json!({"email": "broken", "name": null}).to_string()), Some(&api.key)).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["errors"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn customers_are_listed_newest_first_with_a_cursor() {
    let api = Api::new();
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(api.create_customer("GBP").await);
    }
    // Page through everything and find ours in reverse creation order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..500 {
        let q = after.as_ref().map(|a| format!("&starting_after={a}")).unwrap_or_default();
        let page = api.get(&format!("/v1/customers?limit=2{q}")).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        let data = page.body["data"].as_array().expect("data").clone();
        assert!(data.len() <= 2);
        seen.extend(data.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)));
        // Ours are among the newest: stop once all three went by.
        if !page.body["has_more"].as_bool().expect("has_more") || mine.iter().all(|m| seen.contains(m)) {
            break;
        }
        after = seen.last().cloned();
    }
    let order: Vec<&String> = seen.iter().filter(|id| mine.contains(id)).collect();
    assert_eq!(order, mine.iter().rev().collect::<Vec<_>>());
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first across shards");
    assert_eq!(api.get("/v1/customers?limit=0").await.status, 422);
    assert_eq!(api.get("/v1/customers?limit=101").await.status, 422);
    assert_eq!(api.get("/v1/customers?starting_after=inv_01ARZ3NDEKTSV4RRFFQ69G5FAV").await.status, 422);
}
