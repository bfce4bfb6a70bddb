//! `terraform-provider-lattice`: the Terraform/OpenTofu provider (plugin protocol 6).

mod client;
mod data_sources;
mod engine;
mod provider;
mod resources;
mod schema;
mod tags;

fn main() -> anyhow::Result<()> {
    // Diagnostics must not carry Rust backtraces (Terraform 1.0 reads them as a crash). Set
    // while this is the only thread: changing the environment races with any other.
    #[allow(clippy::disallowed_methods)]
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(tf_provider::serve("lattice", provider::LatticeProvider::default()))
}
