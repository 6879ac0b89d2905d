//! Secrets in an account's configuration: given inline or by the name of the environment
//! variable holding them, resolved when the provider starts.

/// A secret field as it is given: the value inline, or the environment variable that holds it.
pub type SecretField<'a> = (&'a Option<String>, &'a Option<String>);

/// Resolves a secret given inline or by environment variable name; `field` names it in the
/// message when it cannot be had.
pub fn resolve_secret(
    inline: &Option<String>,
    env: &Option<String>,
    field: &str,
) -> Result<String, String> {
    if let Some(var) = env {
        return std::env::var(var)
            .map_err(|_| format!("{field}: environment variable {var} is not set"));
    }
    inline
        .clone()
        .ok_or_else(|| format!("{field}: no value given"))
}

/// The values of secret fields: inline, or read from their environment variable now.
pub fn secret_values(fields: Vec<SecretField<'_>>) -> Vec<String> {
    fields
        .into_iter()
        .flat_map(|(inline, env)| {
            let from_env = env.as_ref().and_then(|var| std::env::var(var).ok());
            inline.clone().into_iter().chain(from_env)
        })
        .collect()
}

/// Whether `url` starts with a scheme the HTTP clients speak.
pub fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
