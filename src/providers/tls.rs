//! TLS setup shared by every provider. reqwest and tokio-tungstenite are built without a
//! compiled-in crypto provider, so the process-wide rustls default must be installed first.

/// Installs ring as the process default crypto provider. Safe to call any number of times:
/// a provider that is already installed (by us or by another caller) is kept.
pub fn install_crypto_provider() {
    // `Err` only means a default already exists, which is exactly what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #[test]
    fn installing_twice_is_harmless() {
        super::install_crypto_provider();
        super::install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
