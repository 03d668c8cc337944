const answer1 = 2000 * time.Millisecond // 1000 / 50 = 20 rounds of 100 ms
