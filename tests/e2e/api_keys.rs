use o2c_api::keys::new_api_key;
use o2c_domain::api_key::Scope;
use o2c_domain::ports::ApiKeyAdmin;
use o2c_e2e::Api;
use o2c_store::DynamoStore;

async fn store() -> DynamoStore {
    let aws = o2c_e2e::local_aws().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&aws).endpoint_url(o2c_e2e::dynamodb_endpoint()).build();
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), o2c_e2e::table_name())
}

async fn key_with(scopes: Vec<Scope>) -> (String, String) {
    let (secret, hash, key) = new_api_key("e2e", scopes, chrono::Utc::now()).expect("key");
    store().await.create_api_key(hash, &key).await.expect("stored");
    (secret, key.id)
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_and_with_it_gets_through() {
    let api = Api::new();
    let (reader, _) = key_with(vec![Scope::InvoicesRead]).await;
    let a = api.send("POST", "/v1/customers", Some(r#"{"name":"x","email":"a@b.co","currency":"EUR"}"#), Some(&reader)).await;
    assert_eq!(a.status, 403);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.body["code"], "forbidden");
    let a = api.send("GET", "/v1/customers?limit=1", None, Some(&reader)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

#[tokio::test]
async fn a_revoked_key_is_refused() {
    let api = Api::new();
    let (secret, id) = key_with(vec![Scope::Admin]).await;
    // A fresh key is not in any warm cache yet; revoke before first use.
    assert!(store().await.revoke_api_key(&id, chrono::Utc::now()).await.expect("revoked"));
    let a = api.send("GET", "/v1/customers?limit=1", None, Some(&secret)).await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn keys_are_listed_by_id_and_never_by_secret() {
    let (secret, id) = key_with(vec![Scope::ReportsRead]).await;
    let keys = store().await.list_api_keys().await.expect("list");
    let k = keys.iter().find(|k| k.id == id).expect("listed");
    assert_eq!(k.scopes, vec![Scope::ReportsRead]);
    assert!(!format!("{keys:?}").contains(&secret));
}
