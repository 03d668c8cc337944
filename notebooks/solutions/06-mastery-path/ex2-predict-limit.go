const predictionMs = 300 // three waves: 4 jobs, 4 jobs, then the last 2; 100 ms each
