INSERT INTO Users VALUES (1, 'ada');
