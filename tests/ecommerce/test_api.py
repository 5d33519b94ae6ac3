"""The e-commerce API: batches of orders (one to 10,000), all or nothing unless skip_invalid, never duplicated;
a seller sees only its own orders; operator views are for operators."""

from __future__ import annotations

from tests.ecommerce.conftest import order


def post(client, headers, orders, **extra):
    return client.post("/v1/ecommerce/orders", json={"orders": orders, **extra}, headers=headers)


def test_a_batch_is_imported_once_and_each_order_can_be_followed(client, new_shipper):
    seller = new_shipper("Shop A")
    batch = [order(), order(hs_codes=["6109100021", "6404199000"], weight_kg=0.8, items=3)]
    r = post(client, seller.headers, batch)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["inserted"] == 2 and len(doc["order_ids"]) == 2
    again = post(client, seller.headers, batch).json()
    assert (again["inserted"], again["unchanged"]) == (0, 2)
    one = client.get(f"/v1/ecommerce/orders/{doc['order_ids'][1]}", headers=seller.headers).json()
    assert one["status"] == "waiting" and one["hs_codes"] == ["6109100021", "6404199000"]
    assert one["customs"]["import_declaration"] == "H7" and one["customs"]["vat_paid_via"] == "ioss"
    page = client.get("/v1/ecommerce/orders", headers=seller.headers).json()
    assert {o["id"] for o in page["items"]} == set(doc["order_ids"])


def test_a_bad_batch_reports_every_bad_field_and_imports_nothing(client, new_shipper):
    seller = new_shipper("Shop B")
    r = post(client, seller.headers, [order(), order(weight_kg=-1, currency="EURO"), order(regime="1234")])
    assert r.status_code == 422
    body = r.json()
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"orders[1].weight_kg", "orders[1].currency", "orders[2].regime"}
    assert client.get("/v1/ecommerce/orders", headers=seller.headers).json()["items"] == []
    partial = post(client, seller.headers, [order(), order(weight_kg=-1)], skip_invalid=True).json()
    assert partial["inserted"] == 1 and partial["rejected"] == 1


def test_tenancy_and_roles(client, new_shipper, op):
    a, b = new_shipper("Shop C"), new_shipper("Shop D")
    oid = post(client, a.headers, [order()]).json()["order_ids"][0]
    assert client.get(f"/v1/ecommerce/orders/{oid}", headers=b.headers).status_code == 404
    assert client.get(f"/v1/ecommerce/orders/{oid}", headers=op).status_code == 200
    assert client.get(f"/v1/ecommerce/orders?seller_id={a.customer_id}", headers=b.headers).json()["items"] == []
    assert post(client, b.headers, [order()], seller_id=a.customer_id).status_code == 422
    assert post(client, op, [order()]).status_code == 422  # operators name the seller
    assert post(client, op, [order()], seller_id=a.customer_id).status_code == 201
    for path in ("/v1/ecommerce/operator/backlog", "/v1/ecommerce/operator/fill", "/v1/ecommerce/operator/forecast"):
        assert client.get(path, headers=b.headers).status_code == 403
        assert client.get(path, headers=op).status_code == 200, path
    assert (
        client.put(
            f"/v1/ecommerce/sellers/{a.customer_id}", json={"allow_other_trains": True}, headers=b.headers
        ).status_code
        == 403
    )
    assert (
        client.put(f"/v1/ecommerce/sellers/{a.customer_id}", json={"allow_other_trains": True}, headers=op).status_code
        == 200
    )


def test_ten_thousand_orders_in_one_request_and_no_more(client, new_shipper):
    seller = new_shipper("Shop E")
    batch = [order(seller_order_id=f"BIG-{k:05d}") for k in range(10_000)]
    r = post(client, seller.headers, batch)
    assert r.status_code == 201, r.text[:300]
    assert r.json()["inserted"] == 10_000
    assert post(client, seller.headers, [*batch, order()]).status_code == 422
