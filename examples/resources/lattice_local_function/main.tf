resource "lattice_local_function" "orders" {
  function_name = "orders"
  url           = "http://127.0.0.1:9000/invoke"
}

resource "lattice_target_group" "orders" {
  name = "orders-function"
  type = "LAMBDA"
}

resource "lattice_target_group_attachment" "orders" {
  target_group_identifier = lattice_target_group.orders.id

  target {
    id = lattice_local_function.orders.arn
  }
}
