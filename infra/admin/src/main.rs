//! `o2c-admin`: operator commands against a stack's table.
//!
//!   o2c-admin keys create --name NAME --scope SCOPE [--scope SCOPE ...]
//!   o2c-admin keys list
//!   o2c-admin keys revoke KEY_ID
//!   o2c-admin backfill open-items   (once, after deploying cash application
//!                                    over a table with open invoices)
//!
//! The table comes from `--table` or `O2C_TABLE_NAME` (the stack output
//! `TableName`); AWS credentials and region from the usual AWS variables.
//! The new key's secret is printed once, on stdout, and stored nowhere.

use o2c_api::keys::new_api_key;
use o2c_domain::api_key::Scope;
use o2c_domain::ports::ApiKeyAdmin;
use o2c_store::DynamoStore;

const USAGE: &str = "usage: o2c-admin [--table TABLE] (keys (create --name NAME --scope SCOPE... | list | revoke KEY_ID) | backfill open-items)\nscopes: invoices:write invoices:read payments:write reports:read admin";

#[tokio::main]
async fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()).await {
        eprintln!("o2c-admin: {e}");
        std::process::exit(2);
    }
}

async fn run(mut args: Vec<String>) -> Result<(), String> {
    let mut table = std::env::var("O2C_TABLE_NAME").ok();
    if let Some(i) = args.iter().position(|a| a == "--table") {
        table = Some(args.get(i + 1).cloned().ok_or(USAGE)?);
        args.drain(i..i + 2);
    }
    let table = table.ok_or("set O2C_TABLE_NAME or pass --table (the stack output TableName)")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["keys", "create", rest @ ..] => {
            let mut name = None;
            let mut scopes = Vec::new();
            let mut it = rest.iter();
            while let Some(flag) = it.next() {
                match *flag {
                    "--name" => name = it.next().map(|s| s.to_string()),
                    "--scope" => scopes.push(it.next().and_then(|s| Scope::parse(s)).ok_or(format!("unknown scope\n{USAGE}"))?),
                    other => return Err(format!("unknown argument {other}\n{USAGE}")),
                }
            }
            let name = name.ok_or(USAGE)?;
            let (secret, hash, key) = new_api_key(&name, scopes, chrono::Utc::now()).map_err(|e| e.to_string())?;
            store.create_api_key(hash, &key).await.map_err(|e| e.to_string())?;
            eprintln!("created {} ({}) with scopes {}; the secret below is shown only now:", key.id, name, key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
            println!("{secret}");
            Ok(())
        }
        ["keys", "list"] => {
            for k in store.list_api_keys().await.map_err(|e| e.to_string())? {
                let scopes = k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
                let state = k.revoked_at.map_or("active".to_owned(), |t| format!("revoked {}", t.to_rfc3339()));
                println!("{}\t{}\t{}\tcreated {}\t{}", k.id, k.name, scopes, k.created_at.to_rfc3339(), state);
            }
            Ok(())
        }
        ["keys", "revoke", id] => match store.revoke_api_key(id, chrono::Utc::now()).await.map_err(|e| e.to_string())? {
            true => {
                eprintln!("revoked {id}; warm functions stop accepting it within {} s", o2c_api::auth::CACHE_SECONDS);
                Ok(())
            }
            false => Err(format!("no key {id}")),
        },
        ["backfill", "open-items"] => {
            let filed = store.backfill_open_items().await.map_err(|e| e.to_string())?;
            println!("filed {filed} open invoices in the open-items index");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}
