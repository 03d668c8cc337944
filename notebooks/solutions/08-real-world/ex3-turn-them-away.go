const workers, queue = 10, 20 // 10 in the database, 20 waiting: 30 answered, 70 turned away
