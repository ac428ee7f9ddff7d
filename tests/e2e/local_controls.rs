use o2c_e2e::Api;
use serde_json::json;

#[tokio::test]
async fn health_answers_once_the_stack_is_ready() {
    let a = Api::new().send("GET", "/_local/health", None, None).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn the_schedule_clock_only_moves_forward() {
    let _clock = o2c_e2e::SCHEDULE_CLOCK.lock().await;
    let api = Api::new();
    let before = api.send("GET", "/_local/time", None, None).await.body["now"].as_str().expect("now").to_owned();
    let before = chrono::DateTime::parse_from_rfc3339(&before).expect("rfc3339");
    let ahead = (before + chrono::Duration::days(3)).to_rfc3339();
    let a = api.send("POST", "/_local/time-travel", Some(&json!({"to": ahead}).to_string()), None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a.body["fired"].is_array());
    let back = api.send("POST", "/_local/time-travel", Some(&json!({"to": before.to_rfc3339()}).to_string()), None).await;
    assert_eq!(back.status, 200);
    let now = api.send("GET", "/_local/time", None, None).await.body["now"].as_str().expect("now").to_owned();
    assert!(chrono::DateTime::parse_from_rfc3339(&now).expect("rfc3339") >= chrono::DateTime::parse_from_rfc3339(&ahead).expect("rfc3339"));
}

#[tokio::test]
async fn the_sender_address_is_a_verified_ses_identity() {
    let ses = aws_sdk_sesv2::Client::new(&o2c_e2e::local_aws().await);
    let from = o2c_e2e::env_or("O2C_FROM_EMAIL", "billing@example.com");
    let identity = ses.get_email_identity().email_identity(&from).send().await.expect("the sender identity exists");
    // moto reports verification through VerificationStatus (and accepts a
    // send from any identity it holds); it never sets VerifiedForSendingStatus.
    assert_eq!(identity.verification_status(), Some(&aws_sdk_sesv2::types::VerificationStatus::Success), "{from} is verified");
}

#[tokio::test]
async fn the_local_stack_serves_its_openapi_document() {
    let api = Api::new();
    let doc = api.send("GET", "/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    for path in ["/v1/customers", "/v1/invoices", "/v1/invoices/{id}/finalize"] {
        assert!(doc.body["paths"][path].is_object(), "{path} is documented");
    }
    let yaml = api.send("GET", "/openapi.yaml", None, None).await;
    assert_eq!(yaml.status, 200);
    assert!(yaml.content_type.starts_with("application/yaml"));
}
