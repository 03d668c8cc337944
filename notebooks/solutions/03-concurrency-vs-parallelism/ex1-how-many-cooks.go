// cooks is your answer: the smallest number of cooks that kneads all six loaves
// within 20 minutes.
const cooks = 3 // two loaves per cook fit in 20 minutes, and 2 cooks would need 30
