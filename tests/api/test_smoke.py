from tests.factories import create_person, put_profile


async def test_register_profile_and_shelf_round_trip(client, backend):
    person = await create_person(client)
    profile = await put_profile(client, person, skin_type="dry")
    assert profile["skin_type"] == "dry"
    products = (await client.get("/v1/products?q=cleanser", headers=person.headers)).json()
    assert products["items"], products
