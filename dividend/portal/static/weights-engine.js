/* The aggregation rule of dividend/engine/scoring.py, in the browser (docs/scoring.md):
   per pillar, over the indicators observed for the unit, B = sum(w*score of benefits)/sum(w),
   C = the same for costs, pillar dividend = B - C; each level above is the weighted mean of
   its children that have a value (weights renormalised over them). Typed arrays, one pass
   per level; no allocation per slider move beyond the result arrays. */
(function () {
  "use strict";

  /* Pillar dividends (units x pillars, NaN where none) under indicator weights indW. */
  function pillarValues(fw, indW) {
    var nU = fw.units.name.length, nI = fw.indicators.length, nP = fw.pillars.length;
    var num = new Float64Array(nU * nP), den = new Float64Array(nU * nP);
    var s = fw.scores, ip = fw.indicatorPillar, sign = fw.sign;
    for (var u = 0; u < nU; u++) {
      for (var i = 0; i < nI; i++) {
        var x = s[u * nI + i];
        if (x === null) { continue; }
        var k = u * nP + ip[i];
        num[k] += indW[i] * sign[i] * x;
        den[k] += indW[i];
      }
    }
    var out = new Float64Array(nU * nP);
    for (var j = 0; j < nU * nP; j++) {
      out[j] = den[j] > 0 && fw.hasPillar[j] ? num[j] / den[j] : NaN;
    }
    return out;
  }

  /* Index dividend per unit from pillar values, pillar weights pw, dimension weights dw. */
  function indexValues(fw, pv, pw, dw, out) {
    var nU = fw.units.name.length, nP = fw.pillars.length, nD = fw.dimensions.length;
    var pd = fw.pillarDim;
    var dnum = new Float64Array(nD), dden = new Float64Array(nD);
    out = out || new Float64Array(nU);
    for (var u = 0; u < nU; u++) {
      for (var d = 0; d < nD; d++) { dnum[d] = 0; dden[d] = 0; }
      for (var p = 0; p < nP; p++) {
        var v = pv[u * nP + p];
        if (v !== v) { continue; }
        dnum[pd[p]] += pw[p] * v;
        dden[pd[p]] += pw[p];
      }
      var num = 0, den = 0;
      for (d = 0; d < nD; d++) {
        if (dden[d] > 0) { num += dw[d] * (dnum[d] / dden[d]); den += dw[d]; }
      }
      out[u] = den > 0 ? num / den : NaN;
    }
    return out;
  }

  /* Rank 1 = largest; ties share the best rank; unranked or no value: 0. */
  function ranks(values, ranked, out) {
    var n = values.length, idx = [];
    out = out || new Int32Array(n);
    for (var i = 0; i < n; i++) {
      out[i] = 0;
      if (ranked[i] && values[i] === values[i]) { idx.push(i); }
    }
    idx.sort(function (a, b) { return values[b] - values[a]; });
    for (var r = 0; r < idx.length; r++) {
      var j = idx[r];
      out[j] = r > 0 && values[j] === values[idx[r - 1]] ? out[idx[r - 1]] : r + 1;
    }
    return out;
  }

  window.DividendEngine = { pillarValues: pillarValues, indexValues: indexValues, ranks: ranks };
})();
