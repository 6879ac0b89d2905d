//! Who we are to Linktor: an API key (`X-API-Key`, `?api_key=`), a fixed Bearer token, or an
//! email/password login that yields a Bearer JWT which is refreshed (or logged in again) when a
//! request comes back 401. Tokens live only in memory and never reach a log line.

use serde_json::{Value, json};

use super::Dialect;
use super::rest::{LinktorError, RestClient};
use crate::providers::kit::Credentials;

/// What one request authenticates with.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    ApiKey(String),
    Bearer(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Credential::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// The tokens a login or refresh handed out.
#[derive(Clone, Default)]
pub struct Tokens {
    access: String,
    refresh: Option<String>,
}

impl Tokens {
    /// Reads a login/refresh reply in either dialect: the Go server's snake_case inside `data`,
    /// or the SDK's camelCase at the top level.
    fn from_reply(text: &str) -> Result<Self, LinktorError> {
        let value: Value = serde_json::from_str(text).map_err(|err| LinktorError::Decode {
            reason: format!("login reply: {err}"),
            request_id: None,
        })?;
        let object = value
            .get("data")
            .filter(|data| data.is_object())
            .unwrap_or(&value);
        let field = |snake: &str, camel: &str| {
            object
                .get(snake)
                .or_else(|| object.get(camel))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let access = field("access_token", "accessToken").ok_or(LinktorError::Decode {
            reason: "login reply has no access token".to_string(),
            request_id: None,
        })?;
        Ok(Tokens {
            access,
            refresh: field("refresh_token", "refreshToken"),
        })
    }
}

impl Credentials for RestClient {
    type Credential = Credential;
    type Error = LinktorError;

    async fn current(&self) -> Result<Credential, LinktorError> {
        self.credential().await
    }

    async fn renew(&self, stale: &Credential) -> Result<bool, LinktorError> {
        if !self.can_renew() {
            return Ok(false);
        }
        self.renew_tokens(stale).await.map(|()| true)
    }
}

impl RestClient {
    /// The credential for the next request; logs in first when only a login is configured.
    pub async fn credential(&self) -> Result<Credential, LinktorError> {
        if !self.api_key.is_empty() {
            return Ok(Credential::ApiKey(self.api_key.clone()));
        }
        if let Some(token) = &self.access_token {
            return Ok(Credential::Bearer(token.clone()));
        }
        let mut tokens = self.tokens.lock().await;
        if let Some(current) = tokens.as_ref() {
            return Ok(Credential::Bearer(current.access.clone()));
        }
        let fresh = self.login().await?;
        let access = fresh.access.clone();
        *tokens = Some(fresh);
        Ok(Credential::Bearer(access))
    }

    /// Whether a 401 can be answered by getting a new token.
    pub fn can_renew(&self) -> bool {
        self.api_key.is_empty() && self.access_token.is_none() && self.login.is_some()
    }

    /// After a 401 with `stale`: refresh, else log in again. A concurrent renewal that already
    /// replaced the token counts as done.
    pub async fn renew_tokens(&self, stale: &Credential) -> Result<(), LinktorError> {
        let mut tokens = self.tokens.lock().await;
        let refresh = match tokens.as_ref() {
            Some(current) if Credential::Bearer(current.access.clone()) != *stale => return Ok(()),
            Some(current) => current.refresh.clone(),
            None => None,
        };
        if let Some(refresh) = refresh {
            match self.refresh(&refresh).await {
                Ok(fresh) => {
                    tracing::info!(url = %self.base_url(), "linktor token refreshed");
                    *tokens = Some(fresh);
                    return Ok(());
                }
                Err(err) => {
                    tracing::info!(url = %self.base_url(), "linktor token refresh failed, logging in again: {err}")
                }
            }
        }
        *tokens = None;
        let fresh = self.login().await?;
        *tokens = Some(fresh);
        Ok(())
    }

    /// How the status bar names what was refused.
    pub fn credential_kind(&self) -> &'static str {
        if !self.api_key.is_empty() {
            "API key"
        } else if self.access_token.is_some() {
            "access token"
        } else {
            "login"
        }
    }

    async fn login(&self) -> Result<Tokens, LinktorError> {
        let Some(login) = &self.login else {
            return Err(LinktorError::Authentication {
                message: "no API key, access token or login configured".to_string(),
                request_id: None,
            });
        };
        let body = json!({ "email": login.email, "password": login.password });
        let text = self.public_post("/auth/login", &body).await?;
        tracing::info!(url = %self.base_url(), "linktor login succeeded");
        Tokens::from_reply(&text)
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, LinktorError> {
        let body = match self.dialect {
            Dialect::Server => json!({ "refresh_token": refresh_token }),
            Dialect::Sdk => json!({ "refreshToken": refresh_token }),
        };
        let text = self.public_post("/auth/refresh", &body).await?;
        Tokens::from_reply(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_from_both_dialects() {
        let server = Tokens::from_reply(
            r#"{"success":true,"data":{"user":{},"access_token":"a1","refresh_token":"r1","expires_in":900}}"#,
        )
        .expect("server reply");
        assert_eq!(
            (server.access.as_str(), server.refresh.as_deref()),
            ("a1", Some("r1"))
        );
        let sdk =
            Tokens::from_reply(r#"{"accessToken":"a2","expiresIn":900,"tokenType":"Bearer"}"#)
                .expect("sdk reply");
        assert_eq!((sdk.access.as_str(), sdk.refresh), ("a2", None));
        assert!(Tokens::from_reply(r#"{"success":true,"data":{}}"#).is_err());
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let text = format!("{:?}", Credential::Bearer("secret-jwt".into()));
        assert!(!text.contains("secret-jwt"), "{text}");
    }
}
