const answer = 6 * time.Second // work 1+1+1 s, then the three second halves one after another
