# `lattice-local terraform -- test -var api_port=…` with a backend running (and the API stand-in
# listening on that port): both spokes reach the API by their friendly name, through the
# central gateway, and a VPC outside the network does not.

run "layout" {
  command = apply
}

run "spoke_a_reaches_the_api_by_its_friendly_name" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.spokes["spoke-a"].account
    vpc_id  = run.layout.spokes["spoke-a"].vpc_id
    address = "api.partner.internal:${var.api_port}"
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "spoke_b_reaches_the_api_by_its_friendly_name" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.spokes["spoke-b"].account
    vpc_id  = run.layout.spokes["spoke-b"].vpc_id
    address = "api.partner.internal:${var.api_port}"
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "the_central_vpc_is_not_a_consumer" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = "111111111111"
    vpc_id  = run.layout.central_vpc_id
    address = "api.partner.internal:${var.api_port}"
  }
  assert {
    condition     = !output.reachable
    error_message = "the central VPC is not associated with the network and has no partner.internal zone"
  }
}
