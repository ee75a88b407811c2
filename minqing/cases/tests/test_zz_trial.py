def test_world_speed(world):
    pass


def test_world_speed2(world):
    pass
