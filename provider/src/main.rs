//! `terraform-provider-lattice`: the Terraform/OpenTofu provider (plugin protocol 6).

mod client;
mod data_sources;
mod engine;
mod provider;
mod resources;
mod schema;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Diagnostics must not carry Rust backtraces (Terraform 1.0 reads them as a crash).
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    tf_provider::serve("lattice", provider::LatticeProvider::default()).await
}
