resource "lattice_domain_verification" "example" {
  domain_name = "example.com"
}

output "txt_record" {
  value = "${lattice_domain_verification.example.txt_record_name} TXT ${lattice_domain_verification.example.txt_record_value}"
}
