"""The example responses of Binance's docs for the endpoints we serve, as Python data.

Contract tests check the simulator's answers against these: every documented field present,
with the same JSON type. (Values differ; each test asserts its own real values.)
"""

from __future__ import annotations

from typing import Any

SPOT_SYMBOL: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "status": "TRADING",
    "baseAsset": "BTC",
    "baseAssetPrecision": 8,
    "quoteAsset": "USDT",
    "quotePrecision": 8,
    "quoteAssetPrecision": 8,
    "baseCommissionPrecision": 8,
    "quoteCommissionPrecision": 8,
    "orderTypes": ["LIMIT"],
    "icebergAllowed": True,
    "ocoAllowed": True,
    "otoAllowed": True,
    "opoAllowed": True,
    "quoteOrderQtyMarketAllowed": True,
    "allowTrailingStop": True,
    "cancelReplaceAllowed": True,
    "amendAllowed": True,
    "pegInstructionsAllowed": True,
    "isSpotTradingAllowed": True,
    "isMarginTradingAllowed": True,
    "filters": [],
    "permissions": [],
    "permissionSets": [["SPOT", "MARGIN"]],
    "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
    "allowedSelfTradePreventionModes": ["NONE"],
}
EXCHANGE_INFO: dict[str, Any] = {
    "timezone": "UTC",
    "serverTime": 1765000000000,
    "rateLimits": [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}
    ],
    "exchangeFilters": [],
    "symbols": [SPOT_SYMBOL],
}
FILTERS: dict[str, dict[str, Any]] = {
    "PRICE_FILTER": {
        "filterType": "PRICE_FILTER",
        "minPrice": "0.01000000",
        "maxPrice": "1000000.00000000",
        "tickSize": "0.01000000",
    },
    "LOT_SIZE": {
        "filterType": "LOT_SIZE",
        "minQty": "0.00001000",
        "maxQty": "9000.00000000",
        "stepSize": "0.00001000",
    },
    "MARKET_LOT_SIZE": {
        "filterType": "MARKET_LOT_SIZE",
        "minQty": "0.00000000",
        "maxQty": "120.00000000",
        "stepSize": "0.00000000",
    },
    "NOTIONAL": {
        "filterType": "NOTIONAL",
        "minNotional": "5.00000000",
        "applyMinToMarket": True,
        "maxNotional": "9000000.00000000",
        "applyMaxToMarket": False,
        "avgPriceMins": 5,
    },
}
TICKER = {"symbol": "BTCUSDT", "price": "60123.45000000"}
KLINE = [
    1499040000000,
    "0.01634790",
    "0.80000000",
    "0.01575800",
    "0.01577100",
    "148976.11427815",
    1499644799999,
    "2434.19055334",
    308,
    "1756.87402397",
    "28.46694368",
    "0",
]
ACCOUNT: dict[str, Any] = {
    "makerCommission": 10,
    "takerCommission": 10,
    "buyerCommission": 0,
    "sellerCommission": 0,
    "commissionRates": {
        "maker": "0.00100000",
        "taker": "0.00100000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    },
    "canTrade": True,
    "canWithdraw": True,
    "canDeposit": True,
    "brokered": False,
    "requireSelfTradePrevention": False,
    "preventSor": False,
    "updateTime": 1765000000000,
    "accountType": "SPOT",
    "balances": [{"asset": "BTC", "free": "0.01250000", "locked": "0.00000000"}],
    "permissions": ["SPOT"],
    "uid": 354937868,
}
ORDER_ACK = {
    "symbol": "BTCUSDT",
    "orderId": 28,
    "orderListId": -1,
    "clientOrderId": "x",
    "transactTime": 1765000000123,
}
ORDER_RESULT = ORDER_ACK | {
    "price": "0.00000000",
    "origQty": "0.00166000",
    "executedQty": "0.00166000",
    "origQuoteOrderQty": "100.00000000",
    "cummulativeQuoteQty": "99.60000000",
    "status": "FILLED",
    "timeInForce": "GTC",
    "type": "MARKET",
    "side": "BUY",
    "workingTime": 1765000000123,
    "selfTradePreventionMode": "EXPIRE_MAKER",
}
ORDER_FULL = ORDER_RESULT | {
    "fills": [
        {
            "price": "60000.00000000",
            "qty": "0.00166000",
            "commission": "0.00000166",
            "commissionAsset": "BTC",
            "tradeId": 56,
        }
    ]
}
ORDER_QUERY = {
    "symbol": "BTCUSDT",
    "orderId": 29,
    "orderListId": -1,
    "clientOrderId": "x",
    "price": "50000.00000000",
    "origQty": "0.00100000",
    "executedQty": "0.00000000",
    "cummulativeQuoteQty": "0.00000000",
    "status": "NEW",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "side": "BUY",
    "stopPrice": "0.00000000",
    "icebergQty": "0.00000000",
    "time": 1765000000123,
    "updateTime": 1765000000123,
    "isWorking": True,
    "workingTime": 1765000000123,
    "origQuoteOrderQty": "0.00000000",
    "selfTradePreventionMode": "EXPIRE_MAKER",
}
ORDER_CANCEL = {
    "symbol": "BTCUSDT",
    "origClientOrderId": "x",
    "orderId": 29,
    "orderListId": -1,
    "clientOrderId": "cancelMyOrder1",
    "transactTime": 1765000001000,
    "price": "50000.00000000",
    "origQty": "0.00100000",
    "executedQty": "0.00000000",
    "origQuoteOrderQty": "0.00000000",
    "cummulativeQuoteQty": "0.00000000",
    "status": "CANCELED",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "side": "BUY",
    "selfTradePreventionMode": "EXPIRE_MAKER",
}
DEPOSIT = {
    "id": "769800519366885376",
    "amount": "0.001",
    "coin": "BNB",
    "network": "BNB",
    "status": 1,
    "address": "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23",
    "addressTag": "101764890",
    "txId": "98A3EA5",
    "insertTime": 1661493146000,
    "completeTime": 1661493146000,
    "transferType": 0,
    "confirmTimes": "1/1",
    "unlockConfirm": 0,
    "walletType": 0,
    "travelRuleStatus": 0,
}
WITHDRAWAL = {
    "id": "b6ae22b3aa844210a7041aee7589627c",
    "amount": "8.91000000",
    "transactionFee": "0.004",
    "coin": "USDT",
    "status": 6,
    "address": "0x94df",
    "txId": "0xb5ef",
    "applyTime": "2019-10-12 11:12:02",
    "network": "ETH",
    "transferType": 0,
    "withdrawOrderId": "WITHDRAWtest123",
    "info": "",
    "confirmNo": 3,
    "walletType": 1,
    "txKey": "",
    "completeTime": "2023-03-23 16:52:41",
}
API_RESTRICTIONS = {
    "ipRestrict": False,
    "createTime": 1623840271000,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": True,
    "enableMargin": False,
    "enableFutures": False,
    "permitsUniversalTransfer": True,
    "enableVanillaOptions": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": True,
    "enableSpotAndMarginTrading": False,
    "enablePortfolioMarginTrading": True,
}
FLEXIBLE = {
    "rows": [
        {
            "totalAmount": "75.46000000",
            "tierAnnualPercentageRate": {},
            "latestAnnualPercentageRate": "0.02599895",
            "yesterdayAirdropPercentageRate": "0.02599895",
            "asset": "USDT",
            "airDropAsset": "BETH",
            "canRedeem": True,
            "collateralAmount": "232.23123213",
            "productId": "USDT001",
            "yesterdayRealTimeRewards": "0.10293829",
            "cumulativeBonusRewards": "0.22759183",
            "cumulativeRealTimeRewards": "0.22759183",
            "cumulativeTotalRewards": "0.45459183",
            "autoSubscribe": True,
        }
    ],
    "total": 1,
}
LOCKED = {
    "rows": [
        {
            "positionId": 123123,
            "parentPositionId": 123122,
            "projectId": "Axs*90",
            "asset": "AXS",
            "amount": "122.09202928",
            "purchaseTime": 1646182276000,
            "duration": "60",
            "accrualDays": "4",
            "rewardAsset": "AXS",
            "APY": "0.2032",
            "rewardAmt": "5.17181528",
            "nextPay": "1.29295383",
            "nextPayDate": 1646697600000,
            "payPeriod": "1",
            "redeemAmountEarly": "2802.24068892",
            "rewardsEndDate": 1651449600000,
            "deliverDate": 1651536000000,
            "redeemPeriod": "1",
            "redeemingAmt": "232.2323",
            "redeemTo": "FLEXIBLE",
            "partialAmtDeliverDate": 1651536000000,
            "canRedeemEarly": True,
            "canFastRedemption": True,
            "autoSubscribe": True,
            "type": "AUTO",
            "status": "HOLDING",
            "canReStake": True,
        }
    ],
    "total": 1,
}
FUNDING = [
    {
        "asset": "USDT",
        "free": "1",
        "locked": "0",
        "freeze": "0",
        "withdrawing": "0",
        "btcValuation": "0",
    }
]
USER_ASSET = [
    {
        "asset": "AVAX",
        "free": "1",
        "locked": "0",
        "freeze": "0",
        "withdrawing": "0",
        "ipoable": "0",
        "btcValuation": "0",
    }
]
WALLET_BALANCE = [{"activate": True, "balance": "0", "walletName": "Spot"}]
FUTURES_SYMBOL = {
    "symbol": "BTCUSDT",
    "pair": "BTCUSDT",
    "contractType": "PERPETUAL",
    "deliveryDate": 4133404800000,
    "onboardDate": 1569398400000,
    "status": "TRADING",
    "maintMarginPercent": "2.5000",
    "requiredMarginPercent": "5.0000",
    "baseAsset": "BTC",
    "quoteAsset": "USDT",
    "marginAsset": "USDT",
    "pricePrecision": 2,
    "quantityPrecision": 3,
    "baseAssetPrecision": 8,
    "quotePrecision": 8,
    "underlyingType": "COIN",
    "underlyingSubType": [],
    "settlePlan": 0,
    "triggerProtect": "0.0500",
    "filters": [],
    "orderTypes": ["LIMIT"],
    "timeInForce": ["GTC"],
    "liquidationFee": "0.012500",
    "marketTakeBound": "0.05",
}
FUTURES_EXCHANGE_INFO = {
    "exchangeFilters": [],
    "rateLimits": [
        {"interval": "MINUTE", "intervalNum": 1, "limit": 2400, "rateLimitType": "REQUEST_WEIGHT"}
    ],
    "serverTime": 1765000000000,
    "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "0"}],
    "symbols": [FUTURES_SYMBOL],
    "timezone": "UTC",
}
FUTURES_ASSET_V3 = {
    "asset": "USDT",
    "walletBalance": "23.72469206",
    "unrealizedProfit": "0.00000000",
    "marginBalance": "23.72469206",
    "maintMargin": "0.00000000",
    "initialMargin": "0.00000000",
    "positionInitialMargin": "0.00000000",
    "openOrderInitialMargin": "0.00000000",
    "crossWalletBalance": "23.72469206",
    "crossUnPnl": "0.00000000",
    "availableBalance": "126.72469206",
    "maxWithdrawAmount": "23.72469206",
    "updateTime": 1625474304765,
}
FUTURES_POSITION_V3 = {
    "symbol": "BTCUSDT",
    "positionSide": "BOTH",
    "positionAmt": "1.000",
    "unrealizedProfit": "0.00000000",
    "isolatedMargin": "0.00000000",
    "notional": "0",
    "isolatedWallet": "0",
    "initialMargin": "0",
    "maintMargin": "0",
    "updateTime": 0,
}
FUTURES_ACCOUNT_V3 = {
    "totalInitialMargin": "0.00000000",
    "totalMaintMargin": "0.00000000",
    "totalWalletBalance": "126.72469206",
    "totalUnrealizedProfit": "0.00000000",
    "totalMarginBalance": "126.72469206",
    "totalPositionInitialMargin": "0.00000000",
    "totalOpenOrderInitialMargin": "0.00000000",
    "totalCrossWalletBalance": "126.72469206",
    "totalCrossUnPnl": "0.00000000",
    "availableBalance": "126.72469206",
    "maxWithdrawAmount": "126.72469206",
    "assets": [FUTURES_ASSET_V3],
    "positions": [FUTURES_POSITION_V3],
}
FUTURES_ACCOUNT_V2 = FUTURES_ACCOUNT_V3 | {
    "feeTier": 0,
    "feeBurn": True,
    "canTrade": True,
    "canDeposit": True,
    "canWithdraw": True,
    "updateTime": 0,
    "multiAssetsMargin": False,
    "tradeGroupId": -1,
    "assets": [FUTURES_ASSET_V3 | {"marginAvailable": True}],
    "positions": [
        FUTURES_POSITION_V3
        | {
            "leverage": "20",
            "isolated": False,
            "entryPrice": "0.0",
            "maxNotional": "1000000",
            "bidNotional": "0",
            "askNotional": "0",
        }
    ],
}
FUTURES_BALANCE = [
    {
        "accountAlias": "SgsR",
        "asset": "USDT",
        "balance": "122607.35137903",
        "crossWalletBalance": "23.72469206",
        "crossUnPnl": "0.00000000",
        "availableBalance": "23.72469206",
        "maxWithdrawAmount": "23.72469206",
        "marginAvailable": True,
        "updateTime": 1617939110373,
    }
]
POSITION_RISK_V2 = [
    {
        "entryPrice": "0.00000",
        "breakEvenPrice": "0.0",
        "marginType": "isolated",
        "isAutoAddMargin": "false",
        "isolatedMargin": "0.00000000",
        "leverage": "10",
        "liquidationPrice": "0",
        "markPrice": "6679.50671178",
        "maxNotionalValue": "20000000",
        "positionAmt": "0.000",
        "notional": "0",
        "isolatedWallet": "0",
        "symbol": "BTCUSDT",
        "unRealizedProfit": "0.00000000",
        "positionSide": "BOTH",
        "updateTime": 1625474304765,
    }
]
POSITION_RISK_V3 = [
    {
        "symbol": "ADAUSDT",
        "positionSide": "BOTH",
        "positionAmt": "30",
        "entryPrice": "0.385",
        "breakEvenPrice": "0.385077",
        "markPrice": "0.41047590",
        "unRealizedProfit": "0.76427700",
        "liquidationPrice": "0",
        "isolatedMargin": "0",
        "notional": "12.31427700",
        "marginAsset": "USDT",
        "isolatedWallet": "0",
        "initialMargin": "0.61571385",
        "maintMargin": "0.08004280",
        "positionInitialMargin": "0.61571385",
        "openOrderInitialMargin": "0",
        "adl": 2,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": 1720736417660,
    }
]
FUTURES_TICKER = {"symbol": "BTCUSDT", "price": "6000.01", "time": 1589437530011}
INCOME = [
    {
        "symbol": "",
        "incomeType": "TRANSFER",
        "income": "500.00000000",
        "asset": "USDT",
        "info": "TRANSFER",
        "time": 1765000000000,
        "tranId": 9689322392,
        "tradeId": "",
    }
]
