//! A fake Chatwoot on 127.0.0.1 (the one the tests use, built from Chatwoot's wire format) for
//! trying the Chatwoot provider by hand, one terminal per agent:
//!
//! ```sh
//! cargo run --example fake_chatwoot -- /tmp/cw      # writes /tmp/cw/ana.toml and /tmp/cw/bo.toml
//! switchboard --config /tmp/cw/ana.toml             # in another terminal (and bo.toml in a third)
//! ```
//!
//! Customers write and type every few seconds until it is stopped (Ctrl+C).

#[path = "../tests/fakes/mod.rs"]
mod fakes;

use std::time::Duration;

use fakes::chatwoot::{ACCOUNT, FakeChatwoot, FakeUser};

fn config(fake: &FakeChatwoot, user: &FakeUser, dir: &std::path::Path) -> String {
    let name = user
        .name
        .split(' ')
        .next()
        .unwrap_or("agent")
        .to_lowercase();
    format!(
        r#"[hub]
enabled = false

[ui]
agent_name = "{agent}"

[store]
database = "{store}"

[[account]]
provider = "chatwoot"
name = "acme"
base_url = "{url}"
account_id = {ACCOUNT}
api_access_token = "{token}"
"#,
        agent = user.name,
        store = dir.join(format!("{name}.sqlite3")).display(),
        url = fake.base_url,
        token = user.token,
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "cw".into()));
    std::fs::create_dir_all(&dir)?;
    let fake = FakeChatwoot::start().await;
    let ana = fake.add_user("Ana Lima", "agent");
    let bo = fake.add_user("Bo Chen", "administrator");
    let whatsapp = fake.add_inbox("WhatsApp support", "Channel::Whatsapp", None);
    let sms = fake.add_inbox("Twilio SMS", "Channel::TwilioSms", Some("sms"));
    let email = fake.add_inbox("Support email", "Channel::Email", None);
    for inbox in [whatsapp, sms, email] {
        fake.add_member(inbox, ana.id);
    }
    fake.add_team("billing");
    for label in ["billing", "vip", "bug"] {
        fake.add_label(label);
    }
    fake.add_canned("thanks", "Thanks {{contact.name}}, happy to help!");
    fake.add_canned("refund", "Your refund is on its way: 3 to 5 working days.");
    let customers = [
        ("Jane Doe", "+15551230001", whatsapp),
        ("Rui Costa", "+351912000002", whatsapp),
        ("Mei Tanaka", "+81900000003", sms),
        ("Omar Haddad", "omar@example.com", email),
    ];
    let mut conversations = Vec::new();
    for (name, address, inbox) in customers {
        let contact = fake.add_contact(name, address);
        let conversation = fake.add_conversation(inbox, contact);
        fake.add_history(conversation, 3);
        conversations.push(conversation);
    }
    for user in [&ana, &bo] {
        let name = user
            .name
            .split(' ')
            .next()
            .unwrap_or("agent")
            .to_lowercase();
        std::fs::write(dir.join(format!("{name}.toml")), config(&fake, user, &dir))?;
    }
    println!("fake Chatwoot at {}", fake.base_url);
    println!(
        "configs: {}/ana.toml (agent), {}/bo.toml (administrator)",
        dir.display(),
        dir.display()
    );
    let lines = [
        "Hi, my order has not arrived yet",
        "It was due on Monday",
        "Can I get a refund instead?",
        "Thanks!",
        "Is anyone there?",
    ];
    let mut turn = 0usize;
    loop {
        tokio::time::sleep(Duration::from_secs(6)).await;
        // The channels take the agents' replies: an id, then delivered (as WhatsApp would).
        for &conversation in &conversations {
            for message in fake.messages(conversation) {
                let (Some(id), true) = (message["id"].as_u64(), message["source_id"].is_null())
                else {
                    continue;
                };
                if message["message_type"] == 1 && message["private"] == false {
                    fake.set_message_source_id(conversation, id, &format!("wamid.{id}"));
                    fake.set_message_status(conversation, id, "delivered");
                }
            }
        }
        let conversation = conversations[turn % conversations.len()];
        fake.customer_typing(conversation, true);
        tokio::time::sleep(Duration::from_secs(2)).await;
        fake.customer_writes(conversation, lines[turn % lines.len()]);
        turn += 1;
    }
}
