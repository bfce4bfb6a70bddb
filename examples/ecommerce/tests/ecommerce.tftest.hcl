# `lattice-local terraform -- test -var 'ports={…}'` with a backend running (and the HTTP
# services listening): from the storefront VPC, the order role reaches the order function and
# GET /stock on inventory, but not POST /stock, nor payment; an unsigned caller reaches nothing.

run "layout" {
  command = apply
}

run "the_order_role_places_an_order" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.accounts.storefront
    vpc_id    = run.layout.storefront_vpc_id
    url       = "http://${run.layout.service_names.order}/orders"
    method    = "POST"
    principal = run.layout.order_role_arn
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "the_order_role_reads_stock" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.accounts.storefront
    vpc_id    = run.layout.storefront_vpc_id
    url       = "http://${run.layout.service_names.inventory}/stock"
    principal = run.layout.order_role_arn
  }
  assert {
    condition     = output.reachable
    error_message = output.summary
  }
}

run "the_order_role_may_not_change_stock" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.accounts.storefront
    vpc_id    = run.layout.storefront_vpc_id
    url       = "http://${run.layout.service_names.inventory}/stock"
    method    = "POST"
    principal = run.layout.order_role_arn
  }
  assert {
    condition     = !output.reachable
    error_message = "inventory's policy allows GET /stock only"
  }
}

run "nobody_pays_yet" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account   = run.layout.accounts.storefront
    vpc_id    = run.layout.storefront_vpc_id
    url       = "http://${run.layout.service_names.payment}/charge"
    method    = "POST"
    principal = run.layout.order_role_arn
  }
  assert {
    condition     = !output.reachable
    error_message = "payment has AWS_IAM auth and no policy"
  }
}

run "unsigned_callers_are_refused" {
  module {
    source = "./tests/reachability"
  }
  variables {
    account = run.layout.accounts.storefront
    vpc_id  = run.layout.storefront_vpc_id
    url     = "http://${run.layout.service_names.order}/orders"
  }
  assert {
    condition     = !output.reachable
    error_message = "the network lets in signed principals of the storefront account only"
  }
}
