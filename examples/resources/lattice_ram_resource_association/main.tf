resource "lattice_service" "payments" {
  name = "payments"
}

resource "lattice_ram_resource_share" "shared" {
  name = "payments"
}

resource "lattice_ram_resource_association" "payments" {
  resource_share_arn = lattice_ram_resource_share.shared.arn
  resource_arn       = lattice_service.payments.arn
}
