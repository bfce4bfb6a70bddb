# Issued by the backend's local CA (`lattice-local ca` prints the CA to trust).
resource "lattice_local_certificate" "app" {
  domain_name               = "app.example.com"
  subject_alternative_names = ["app.example.com", "www.app.example.com"]
}

resource "lattice_service" "app" {
  name               = "app"
  custom_domain_name = "app.example.com"
  certificate_arn    = lattice_local_certificate.app.arn
}
